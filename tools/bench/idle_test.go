package bench

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tace-echo\nVmPeak:\t  999 kB\nVmRSS:\t    5120 kB\nRssAnon:\t 100 kB\n"
	got, err := ParseVmRSS(status)
	assert.NoError(t, err, "ParseVmRSS")
	assert.EqualValues(t, 5120<<10, got, "ParseVmRSS")
	for _, bad := range []string{"", "Name: x\n", "VmRSS:\t12 MB\n", "VmRSS:\tlots kB\n", "VmRSS:\t-1 kB\n", "VmRSS:\n"} {
		_, err := ParseVmRSS(bad)
		assert.ErrorIs(t, err, ErrNoVmRSS, "ParseVmRSS(%q)", bad)
	}
}

func TestParseProcIO(t *testing.T) {
	io := "rchar: 5012\nwchar: 2304\nsyscr: 17\nsyscw: 9\nread_bytes: 0\n"
	r, w, err := ParseProcIO(io)
	assert.NoError(t, err, "ParseProcIO")
	assert.EqualValues(t, 17, r, "ParseProcIO's reads")
	assert.EqualValues(t, 9, w, "ParseProcIO's writes")
	for _, bad := range []string{"", "syscr: 1\n", "syscw: 1\n", "syscr: x\nsyscw: 1\n", "syscr: -1\nsyscw: 1\n"} {
		_, _, err := ParseProcIO(bad)
		assert.ErrorIs(t, err, ErrProcIO, "ParseProcIO(%q)", bad)
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
	require.NoError(t, err)
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
	require.NoError(t, err)
	assert.True(t, peaked, "AtPeak did not run")
	if res.Conns != n || res.Baseline != 10 || res.Before <= 0 || res.After <= 0 {
		t.Errorf("result %+v", res)
	}
	// The test server runs one goroutine per connection.
	assert.EqualValues(t, 1, res.Breakdown().Goroutines, "goroutines per connection")
	assert.NoError(t, p.Stop(), "stop")
}

func TestIdleSetOpenFails(t *testing.T) {
	// A listener that accepts and closes at once fails every probe.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
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
	assert.Error(t, s.Open(t.Context(), ln.Addr().String(), 20, 201, EchoProbe), "Open against a server that closes every connection")
	assert.Zero(t, s.Len(), "connections left open after a failed Open")
	assert.Error(t, s.Open(t.Context(), ln.Addr().String(), 1, 255, EchoProbe), "Open accepted source block 255")
}
