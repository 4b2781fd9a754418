package core_test

import (
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
)

type echoHandler struct{ core.BaseHandler }

func (echoHandler) Packet(data []byte) core.Action { return core.Send(data) }

type prefixEcho struct{ core.BaseHandler }

var benchPrefix, benchNL = []byte("ECHO: "), []byte("\n")

func (prefixEcho) Packet(line []byte) core.Action { return core.Send(benchPrefix, line, benchNL) }

// roundTrips does n round trips of msg over c, expecting want back.
func roundTrips(tb testing.TB, c net.Conn, msg []byte, wantLen, n int) {
	buf := make([]byte, wantLen)
	for i := 0; i < n; i++ {
		if _, err := c.Write(msg); err != nil {
			tb.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkServerRoundTrip measures one client's round trips through a
// server over loopback TCP; -benchmem shows the allocations per round trip of
// client and server together (the client allocates nothing).
func BenchmarkServerRoundTrip(b *testing.B) {
	msg := make([]byte, 64)
	for i := range msg {
		msg[i] = 'a'
	}
	msg[63] = '\n'
	cases := []struct {
		name string
		app  core.App
		cfg  core.Config
		want int
	}{
		{"raw", core.AppFunc(func(core.ConnInfo) core.Handler { return echoHandler{} }), core.Config{}, 64},
		{"lines", core.AppFunc(func(core.ConnInfo) core.Handler { return prefixEcho{} }), core.Config{Framer: core.Lines(0)}, 70},
		{"raw-loop", core.AppFunc(func(core.ConnInfo) core.Handler { return echoHandler{} }), core.Config{EventLoop: true}, 64},
		{"lines-loop", core.AppFunc(func(core.ConnInfo) core.Handler { return prefixEcho{} }), core.Config{Framer: core.Lines(0), EventLoop: true}, 70},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			tc.cfg.Acceptors = 1
			ln := listenTCP(b)
			e := core.Start(ln, tc.app, tc.cfg)
			defer func() { _ = e.Close() }()
			c, err := net.Dial("tcp", e.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = c.Close() }()
			roundTrips(b, c, msg, tc.want, 100) // warm up
			b.ReportAllocs()
			b.ResetTimer()
			roundTrips(b, c, msg, tc.want, b.N)
		})
	}
}

// TestServerRoundTripAllocs holds the hot path to zero allocations per
// round trip in steady state, on a server's goroutine and on an event loop.
func TestServerRoundTripAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts need a build without -race and a long run")
	}
	for _, loop := range []bool{false, true} {
		t.Run(fmt.Sprintf("EventLoop=%v", loop), func(t *testing.T) {
			testRoundTripAllocs(t, core.Config{Acceptors: 1, Framer: core.Lines(0), EventLoop: loop})
		})
	}
	// A buffer size that is not a power of two, which the pool rounds up.
	t.Run("EventLoop=true/ReadBufferSize=3000", func(t *testing.T) {
		testRoundTripAllocs(t, core.Config{Acceptors: 1, Framer: core.Lines(0), EventLoop: true, ReadBufferSize: 3000})
	})
}

func testRoundTripAllocs(t *testing.T, cfg core.Config) {
	ln := listenTCP(t)
	e := core.Start(ln, core.AppFunc(func(core.ConnInfo) core.Handler { return prefixEcho{} }), cfg)
	defer func() { _ = e.Close() }()
	c, err := net.Dial("tcp", e.Addr().String())
	require.NoError(t, err)
	defer func() { _ = c.Close() }()
	msg := []byte("hello, world\n")
	roundTrips(t, c, msg, 19, 100)
	buf := make([]byte, 19)
	allocs := testing.AllocsPerRun(2000, func() {
		// Not require: its bookkeeping must not count here.
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0.01 {
		t.Fatalf("%.3f allocations per round trip, want 0", allocs)
	}
}

// sender hands its server to the benchmark and writes every message sent to
// it, a []byte, to its connection.
type sender struct {
	core.BaseHandler
	srvs chan<- *core.Server
}

func (h sender) Connect(s *core.Server, _ core.ConnInfo) core.Action {
	h.srvs <- s
	return core.Continue()
}

func (sender) Info(msg any) core.Action {
	if b, ok := msg.([]byte); ok {
		return core.Send(b)
	}
	return core.Close()
}

// BenchmarkServerSend measures a message's round trip: Server.Send to a
// server waiting for input, its Info callback writing the message, the client
// reading it.
func BenchmarkServerSend(b *testing.B) {
	for _, loop := range []bool{false, true} {
		b.Run(fmt.Sprintf("EventLoop=%v", loop), func(b *testing.B) {
			srvs := make(chan *core.Server, 1)
			app := core.AppFunc(func(core.ConnInfo) core.Handler { return sender{srvs: srvs} })
			e := core.Start(listenTCP(b), app, core.Config{Acceptors: 1, EventLoop: loop})
			defer func() { _ = e.Close() }()
			c, err := net.Dial("tcp", e.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = c.Close() }()
			s := <-srvs
			msg, buf := []byte("message\n"), make([]byte, 8)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := s.Send(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
