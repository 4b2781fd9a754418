package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBucketBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(v uint64) {
		i := bucketOf(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("bucketOf(%d) = %d, out of range", v, i)
		}
		hi := bucketHigh(i)
		if hi < v {
			t.Fatalf("bucketHigh(bucketOf(%d)) = %d, below the value", v, hi)
		}
		if rel := float64(hi-v) / float64(max(v, 1)); rel > 1.0/subBuckets {
			t.Fatalf("bucket of %d reaches %d: %.4f relative error", v, hi, rel)
		}
		if i > 0 && bucketHigh(i-1) >= v {
			t.Fatalf("%d also fits the bucket below, which reaches %d", v, bucketHigh(i-1))
		}
	}
	for v := range uint64(5000) {
		check(v)
	}
	for range 100_000 {
		check(r.Uint64() >> r.UintN(64))
	}
	check(math.MaxUint64)
}

// exactPercentile is the nearest-rank percentile of sorted values.
func exactPercentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func TestPercentileAgainstExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, dist := range []struct {
		name string
		gen  func() time.Duration
	}{
		{"uniform", func() time.Duration { return time.Duration(r.Int64N(int64(time.Millisecond))) }},
		{"exponential", func() time.Duration { return time.Duration(r.ExpFloat64() * float64(50*time.Microsecond)) }},
		{"bimodal", func() time.Duration {
			if r.IntN(100) < 3 {
				return 20*time.Millisecond + time.Duration(r.Int64N(1e6))
			}
			return 40*time.Microsecond + time.Duration(r.Int64N(1e4))
		}},
	} {
		t.Run(dist.name, func(t *testing.T) {
			var h Histogram
			vals := make([]time.Duration, 20_000)
			for i := range vals {
				vals[i] = dist.gen()
				h.Record(vals[i])
			}
			slices.Sort(vals)
			for _, p := range []float64{0, 1, 50, 90, 99, 99.9, 100} {
				got, want := h.Percentile(p), exactPercentile(vals, p)
				if got < want || float64(got-want) > float64(want)/subBuckets+1 {
					t.Errorf("p%v = %v, exact %v", p, got, want)
				}
			}
			if h.Count() != uint64(len(vals)) || h.Max() != vals[len(vals)-1] {
				t.Errorf("count %d max %v, want %d and %v", h.Count(), h.Max(), len(vals), vals[len(vals)-1])
			}
		})
	}
}

func TestPercentileSmall(t *testing.T) {
	var h Histogram
	assert.Zero(t, h.Percentile(50), "empty p50")
	h.Record(-time.Second) // counts as 0
	assert.Zero(t, h.Percentile(99), "p99 of {0}")
	h = Histogram{}
	for _, v := range []time.Duration{10, 20, 30, 40} {
		h.Record(v)
	}
	for p, want := range map[float64]time.Duration{-5: 10, 0: 10, 25: 10, 26: 20, 50: 20, 75: 30, 99: 40, 100: 40, 200: 40} {
		assert.Equal(t, want, h.Percentile(p), "p%v of {10,20,30,40}", p)
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all Histogram
	for i := range 1000 {
		d := time.Duration(i) * time.Microsecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	a.Merge(&b)
	require.Equal(t, all, a, "merged histogram differs from one recorded at once")
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Record(time.Duration(i))
	}
}
