package bench

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProcess(t *testing.T) {
	p, err := startTestServer(t, "echo")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if _, _, err := net.SplitHostPort(p.Addr); err != nil || !strings.HasPrefix(p.Addr, "127.0.0.1:") {
		t.Fatalf("address %q, want 127.0.0.1:port", p.Addr)
	}
	st, err := p.Stats(t.Context())
	if err != nil || st.Accepted != 0 || st.Allocs == 0 || st.Goroutines == 0 {
		t.Fatalf("stats %+v, %v; want 0 accepted and some allocations and goroutines", st, err)
	}
	c0, err := p.Counters(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := probeOnce(t.Context(), p.Addr, EchoProbe); err != nil {
		t.Fatal(err)
	}
	c1, err := p.Counters(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// The echo read the probe and wrote it back: at least one read and one
	// write, besides the control command's own. (Allocations are not
	// checked: the runtime counts them a span at a time.)
	if d := c1.Sub(c0); d.SysRead < 2 || d.SysWrite < 2 {
		t.Errorf("counters grew by %+v over one probe", d)
	}
	if st, err = p.Stats(t.Context()); err != nil || st.Accepted != 1 {
		t.Fatalf("after one probe: stats %+v, %v; want 1 accepted", st, err)
	}
	if err := p.GC(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The GC command collects garbage once: the counters see a cycle
	// completed and the collector's CPU time grow.
	c2, err := p.Counters(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d := c2.Sub(c1); d.GCCycles < 1 || d.GCCPU <= 0 {
		t.Errorf("counters grew by %+v over a GC, want a cycle and some GC CPU time", d)
	}
	heap := filepath.Join(t.TempDir(), "heap.pprof")
	if err := p.HeapProfile(t.Context(), heap); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(heap); err != nil || fi.Size() == 0 {
		t.Errorf("heap profile: %v, %v", fi, err)
	}
	if err := p.HeapProfile(t.Context(), filepath.Join(t.TempDir(), "no", "such", "dir")); err == nil {
		t.Error("heap profile into a missing directory succeeded")
	}
	if _, err := ReadRSS(p.Pid); err != nil {
		t.Error(err)
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("second stop: %v", err)
	}
	if _, err := p.Stats(t.Context()); err == nil {
		t.Error("stats of a stopped process succeeded")
	}
}

func TestStartServerWithoutAddress(t *testing.T) {
	_, err := startTestServer(t, "mute")
	if err == nil || !strings.Contains(err.Error(), `printed "hello"`) {
		t.Fatalf("err = %v, want one about the line printed", err)
	}
}

func TestStartServerFails(t *testing.T) {
	_, err := startTestServer(t, "unknown") // exits with status 2
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("err = %v, want one saying it exited", err)
	}
}
