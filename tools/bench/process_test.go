package bench

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProcess(t *testing.T) {
	p, err := startTestServer(t, "echo")
	require.NoError(t, err)
	defer p.Stop()
	_, _, err = net.SplitHostPort(p.Addr)
	require.NoError(t, err, "address %q", p.Addr)
	require.True(t, strings.HasPrefix(p.Addr, "127.0.0.1:"), "address %q, want 127.0.0.1:port", p.Addr)
	st, err := p.Stats(t.Context())
	require.NoError(t, err, "stats")
	require.Zero(t, st.Accepted, "stats: accepted")
	require.NotZero(t, st.Allocs, "stats: allocations")
	require.NotZero(t, st.Goroutines, "stats: goroutines")
	c0, err := p.Counters(t.Context())
	require.NoError(t, err)
	require.NoError(t, probeOnce(t.Context(), p.Addr, EchoProbe))
	c1, err := p.Counters(t.Context())
	require.NoError(t, err)
	// The echo read the probe and wrote it back: at least one read and one
	// write, besides the control command's own. (Allocations are not
	// checked: the runtime counts them a span at a time.)
	if d := c1.Sub(c0); d.SysRead < 2 || d.SysWrite < 2 {
		t.Errorf("counters grew by %+v over one probe", d)
	}
	st, err = p.Stats(t.Context())
	require.NoError(t, err, "stats after one probe")
	require.EqualValues(t, 1, st.Accepted, "accepted after one probe")
	require.NoError(t, p.GC(t.Context()))
	// The GC command collects garbage once: the counters see a cycle
	// completed and the collector's CPU time grow.
	c2, err := p.Counters(t.Context())
	require.NoError(t, err)
	if d := c2.Sub(c1); d.GCCycles < 1 || d.GCCPU <= 0 {
		t.Errorf("counters grew by %+v over a GC, want a cycle and some GC CPU time", d)
	}
	heap := filepath.Join(t.TempDir(), "heap.pprof")
	require.NoError(t, p.HeapProfile(t.Context(), heap))
	if fi, err := os.Stat(heap); assert.NoError(t, err, "heap profile") {
		assert.NotZero(t, fi.Size(), "heap profile's size")
	}
	assert.Error(t, p.HeapProfile(t.Context(), filepath.Join(t.TempDir(), "no", "such", "dir")), "heap profile into a missing directory")
	_, err = ReadRSS(p.Pid)
	assert.NoError(t, err)
	require.NoError(t, p.Stop(), "stop")
	require.NoError(t, p.Stop(), "second stop")
	_, err = p.Stats(t.Context())
	assert.Error(t, err, "stats of a stopped process")
}

func TestStartServerWithoutAddress(t *testing.T) {
	_, err := startTestServer(t, "mute")
	require.ErrorContains(t, err, `printed "hello"`, "want an error about the line printed")
}

func TestStartServerFails(t *testing.T) {
	_, err := startTestServer(t, "unknown") // exits with status 2
	require.ErrorContains(t, err, "exited")
}
