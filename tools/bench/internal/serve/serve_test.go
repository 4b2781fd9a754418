package serve

import (
	"encoding/json"
	"math"
	"net"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeServer is a Server that only counts.
type fakeServer struct{ accepted uint64 }

func (fakeServer) Addr() net.Addr     { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (f fakeServer) Accepted() uint64 { return f.accepted }
func (fakeServer) Close() error       { return nil }

func TestHistogramSum(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		name string
		h    metrics.Float64Histogram
		want float64
	}{
		{"empty", metrics.Float64Histogram{Counts: []uint64{0, 0}, Buckets: []float64{-inf, 0, inf}}, 0},
		// 1 in the underflow bucket counts as its upper bound, 2 at
		// 1.5µs, 3 in the overflow bucket at its lower bound.
		{"bounded", metrics.Float64Histogram{
			Counts:  []uint64{1, 2, 0, 3},
			Buckets: []float64{-inf, 1e-6, 2e-6, 4e-6, inf},
		}, 1e-6 + 2*1.5e-6 + 3*4e-6},
		{"finite", metrics.Float64Histogram{Counts: []uint64{4}, Buckets: []float64{1, 3}}, 8},
	} {
		assert.InDelta(t, tc.want, histogramSum(&tc.h), 1e-12, "%s: histogramSum", tc.name)
	}
}

// TestReadStatsGC checks that a collection shows in the GC figures.
func TestReadStatsGC(t *testing.T) {
	before := ReadStats(fakeServer{accepted: 7})
	runtime.GC()
	after := ReadStats(fakeServer{accepted: 7})
	assert.EqualValues(t, 7, after.Accepted, "accepted")
	assert.Greater(t, after.GCCycles, before.GCCycles, "GC cycles after a GC")
	assert.Greater(t, after.GCCPU, before.GCCPU, "GC CPU after a GC")
	assert.Greater(t, after.GCPause, before.GCPause, "GC pauses after a GC")
	// One collection of this small heap takes well under a second, even
	// counted on every processor: a larger figure would be in the wrong
	// unit.
	assert.Less(t, after.GCCPU-before.GCCPU, time.Second, "GC CPU growth over one GC")
	assert.Less(t, after.GCPause-before.GCPause, time.Second, "GC pauses' growth over one GC")
}

// TestStatsJSON checks the names and units of the GC figures in the answer
// to "stats".
func TestStatsJSON(t *testing.T) {
	b, err := json.Marshal(Stats{GCCycles: 3, GCCPU: 1500, GCPause: 20})
	require.NoError(t, err)
	for _, want := range []string{`"gc_cycles":3`, `"gc_cpu_ns":1500`, `"gc_pause_ns":20`} {
		assert.Contains(t, string(b), want, "stats")
	}
}
