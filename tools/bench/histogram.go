package bench

import (
	"math/bits"
	"time"
)

// Histogram records durations in log-linear buckets: exact below 64ns, and
// above that 64 buckets per power of two, so that a value it reports is
// within 1/64 (about 1.6%) of the value recorded. It is the latency record
// of the echo load: recording costs a few instructions and never allocates,
// so one per connection adds nothing to the round trip it measures.
//
// The zero Histogram is empty and ready to use. It is not safe for
// concurrent use: give each goroutine its own and Merge them.
type Histogram struct {
	counts [histBuckets]uint64
	total  uint64
	max    time.Duration
}

const (
	subBits     = 6
	subBuckets  = 1 << subBits // buckets per power of two
	histBuckets = (64 - subBits + 1) * subBuckets
)

// bucketOf returns the bucket of v, a duration in nanoseconds.
func bucketOf(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1 // v>>shift is in [64, 128)
	return (shift+1)*subBuckets + int(v>>shift) - subBuckets
}

// bucketHigh returns the largest value that falls in bucket i.
func bucketHigh(i int) uint64 {
	if i < subBuckets {
		return uint64(i)
	}
	shift := i/subBuckets - 1
	low := uint64(i%subBuckets+subBuckets) << shift
	return low + (1 << shift) - 1
}

// Record adds one duration. Negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	d = max(d, 0)
	h.counts[bucketOf(uint64(d))]++
	h.total++
	h.max = max(h.max, d)
}

// Merge adds every value recorded in o to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.max = max(h.max, o.max)
}

// Count reports how many values were recorded.
func (h *Histogram) Count() uint64 { return h.total }

// Max reports the largest value recorded.
func (h *Histogram) Max() time.Duration { return h.max }

// Percentile returns the smallest recorded value v, to the histogram's
// precision, such that at least p percent of the values are at most v. p is
// clamped to [0, 100]; an empty histogram reports 0.
func (h *Histogram) Percentile(p float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	p = min(max(p, 0), 100)
	// rank is the 1-based position of the value wanted, rounded up.
	rank := uint64(p / 100 * float64(h.total))
	if float64(rank) < p/100*float64(h.total) || rank == 0 {
		rank++
	}
	rank = min(rank, h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(bucketHigh(i)), h.max)
		}
	}
	return h.max
}
