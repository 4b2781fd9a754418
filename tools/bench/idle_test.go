package bench

import (
	"errors"
	"net"
	"testing"
)

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tace-echo\nVmPeak:\t  999 kB\nVmRSS:\t    5120 kB\nRssAnon:\t 100 kB\n"
	if got, err := ParseVmRSS(status); err != nil || got != 5120<<10 {
		t.Errorf("ParseVmRSS = %d, %v; want %d", got, err, 5120<<10)
	}
	for _, bad := range []string{"", "Name: x\n", "VmRSS:\t12 MB\n", "VmRSS:\tlots kB\n", "VmRSS:\t-1 kB\n", "VmRSS:\n"} {
		if _, err := ParseVmRSS(bad); !errors.Is(err, ErrNoVmRSS) {
			t.Errorf("ParseVmRSS(%q) err = %v, want ErrNoVmRSS", bad, err)
		}
	}
}

func TestParseProcIO(t *testing.T) {
	io := "rchar: 5012\nwchar: 2304\nsyscr: 17\nsyscw: 9\nread_bytes: 0\n"
	if r, w, err := ParseProcIO(io); err != nil || r != 17 || w != 9 {
		t.Errorf("ParseProcIO = %d, %d, %v; want 17, 9", r, w, err)
	}
	for _, bad := range []string{"", "syscr: 1\n", "syscw: 1\n", "syscr: x\nsyscw: 1\n", "syscr: -1\nsyscw: 1\n"} {
		if _, _, err := ParseProcIO(bad); !errors.Is(err, ErrProcIO) {
			t.Errorf("ParseProcIO(%q) err = %v, want ErrProcIO", bad, err)
		}
	}
}

func TestSourceAddr(t *testing.T) {
	seen := map[string]int{}
	for i := range 3 * connsPerSource {
		a := sourceAddr(7, i)
		if !a.IP.IsLoopback() || a.Port != 0 {
			t.Fatalf("sourceAddr(7, %d) = %v, want a loopback address, any port", i, a)
		}
		seen[a.IP.String()]++
	}
	if len(seen) != 3 || seen["127.0.7.1"] != connsPerSource {
		t.Errorf("addresses used %v, want 3 of 127.0.7.x, %d each", seen, connsPerSource)
	}
}

func TestMeasureIdle(t *testing.T) {
	p, err := startTestServer(t, "echo")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	const n = 200
	peaked := false
	res, err := MeasureIdle(t.Context(), p, IdleLoad{
		Conns: n, Block: 200, Probe: EchoProbe,
		AtPeak: func() error {
			peaked = true
			st, err := p.Stats(t.Context())
			if err == nil && st.Accepted != n+10 {
				t.Errorf("at the peak the server has accepted %d, want %d", st.Accepted, n+10)
			}
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !peaked {
		t.Error("AtPeak did not run")
	}
	if res.Conns != n || res.Baseline != 10 || res.Before <= 0 || res.After <= 0 {
		t.Errorf("result %+v", res)
	}
	// The test server runs one goroutine per connection.
	if g := res.Breakdown().Goroutines; g != 1 {
		t.Errorf("goroutines per connection = %v, want 1", g)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func TestIdleSetOpenFails(t *testing.T) {
	// A listener that accepts and closes at once fails every probe.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	defer func() { _ = ln.Close(); <-done }()
	var s IdleSet
	if err := s.Open(t.Context(), ln.Addr().String(), 20, 201, EchoProbe); err == nil {
		t.Error("Open succeeded against a server that closes every connection")
	}
	if s.Len() != 0 {
		t.Errorf("%d connections left open after a failed Open", s.Len())
	}
	if err := s.Open(t.Context(), ln.Addr().String(), 1, 255, EchoProbe); err == nil {
		t.Error("Open accepted source block 255")
	}
}
