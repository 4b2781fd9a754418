package echo_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/echo"
	"github.com/stretchr/testify/require"
)

// msgSize is the size of the message each benchmark round trip sends.
const msgSize = 64

// target is an echo server under benchmark, and what one round trip with it
// looks like.
type target struct {
	name     string
	start    func(tb testing.TB) net.Addr
	greeting []byte // what the server sends first
	request  []byte
	reply    []byte
}

// targets are the ace echo app in both modes and plain Go echo servers, the
// baseline: one goroutine per connection, copying with io.Copy (which on
// Linux splices from socket to socket) or with a read/write loop.
func targets() []target {
	raw := bytes.Repeat([]byte{'r'}, msgSize)
	line := append(bytes.Repeat([]byte{'l'}, msgSize-1), '\n')
	lineReply := append([]byte("ECHO: "), line...)
	return []target{
		{
			name: "ace-raw",
			start: func(tb testing.TB) net.Addr {
				return serve(tb, echo.New(echo.Config{Mode: echo.Raw})).Addr()
			},
			request: raw,
			reply:   raw,
		},
		{
			name: "ace-line",
			start: func(tb testing.TB) net.Addr {
				return serve(tb, echo.New(echo.Config{})).Addr()
			},
			greeting: []byte("WELCOME\n"),
			request:  line,
			reply:    lineReply,
		},
		{
			name: "plain-go",
			start: func(tb testing.TB) net.Addr {
				return startPlainEcho(tb, func(c net.Conn) { _, _ = io.Copy(c, c) })
			},
			request: raw,
			reply:   raw,
		},
		{
			name: "plain-go-loop",
			start: func(tb testing.TB) net.Addr {
				return startPlainEcho(tb, loopEcho)
			},
			request: raw,
			reply:   raw,
		},
	}
}

// loopEcho is the textbook echo loop, with a 4 KiB buffer like ace's.
func loopEcho(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// startPlainEcho starts a goroutine-per-connection echo server on a loopback
// port. It stops when the test ends: the listener and every connection are
// closed, and every goroutine waited for.
func startPlainEcho(tb testing.TB, echoConn func(net.Conn)) net.Addr {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				echoConn(c)
			})
		}
	})
	tb.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr()
}

// echoClient does round trips with a target, allocating nothing per round
// trip.
type echoClient struct {
	conn  net.Conn
	t     *target
	reply []byte
}

// dialTarget connects to the target at addr and reads its greeting.
func dialTarget(tb testing.TB, t *target, addr net.Addr) *echoClient {
	tb.Helper()
	c, err := net.DialTimeout("tcp", addr.String(), testTimeout)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = c.Close() })
	ec := &echoClient{conn: c, t: t, reply: make([]byte, max(len(t.reply), len(t.greeting)))}
	if len(t.greeting) > 0 {
		_ = c.SetReadDeadline(time.Now().Add(testTimeout))
		_, err := io.ReadFull(c, ec.reply[:len(t.greeting)])
		require.NoError(tb, err, "reading the greeting")
		_ = c.SetReadDeadline(time.Time{})
	}
	return ec
}

// roundTrip sends the request and reads and checks the reply.
func (c *echoClient) roundTrip() error {
	if _, err := c.conn.Write(c.t.request); err != nil {
		return err
	}
	reply := c.reply[:len(c.t.reply)]
	if _, err := io.ReadFull(c.conn, reply); err != nil {
		return err
	}
	if !bytes.Equal(reply, c.t.reply) {
		return errBadReply
	}
	return nil
}

var errBadReply = fmt.Errorf("echo reply differs from the expected one")

// BenchmarkEchoRoundTrip measures one client doing round trips of a 64-byte
// message over loopback, one at a time, with each target side by side.
func BenchmarkEchoRoundTrip(b *testing.B) {
	for _, t := range targets() {
		b.Run(t.name, func(b *testing.B) {
			c := dialTarget(b, &t, t.start(b))
			b.SetBytes(msgSize)
			b.ReportAllocs()
			for b.Loop() {
				if err := c.roundTrip(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// parallelConns is how many connections BenchmarkEchoRoundTripParallel
// runs at once.
const parallelConns = 16

// BenchmarkEchoRoundTripParallel measures parallelConns clients, each doing
// round trips of a 64-byte message one at a time; b.N is the total of round
// trips, so ns/op is the inverse of the throughput.
func BenchmarkEchoRoundTripParallel(b *testing.B) {
	for _, t := range targets() {
		b.Run(fmt.Sprintf("%s/conns=%d", t.name, parallelConns), func(b *testing.B) {
			addr := t.start(b)
			clients := make([]*echoClient, parallelConns)
			for i := range clients {
				clients[i] = dialTarget(b, &t, addr)
			}
			b.SetBytes(msgSize)
			b.ReportAllocs()
			errs := make(chan error, parallelConns)
			var wg sync.WaitGroup
			b.ResetTimer()
			for i, c := range clients {
				n := b.N / parallelConns
				if i < b.N%parallelConns {
					n++
				}
				wg.Go(func() {
					for range n {
						if err := c.roundTrip(); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
		})
	}
}

// TestEchoZeroAllocs checks that, in steady state, an echo round trip
// allocates nothing, server side included: testing.AllocsPerRun counts the
// allocations of every goroutine, and the client allocates nothing per round
// trip.
func TestEchoZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	const (
		perRun = 1000 // round trips per measured run
		runs   = 10
		limit  = 0.05 // allocations per round trip
	)
	all := targets()
	idle := all[1]
	idle.name = "ace-line-idle"
	idle.start = func(tb testing.TB) net.Addr {
		// Every round trip re-arms the idle timeout.
		return serve(tb, echo.New(echo.Config{IdleTimeout: time.Minute})).Addr()
	}
	for _, tg := range append(all[:2:2], idle) {
		t.Run(tg.name, func(t *testing.T) {
			c := dialTarget(t, &tg, tg.start(t))
			var err error
			trips := func() {
				for range perRun {
					if err == nil {
						err = c.roundTrip()
					}
				}
			}
			trips() // warm up: buffers, iovec cache, timers
			allocs := testing.AllocsPerRun(runs, trips) / perRun
			require.NoError(t, err)
			t.Logf("%.4f allocations per round trip", allocs)
			if allocs > limit {
				t.Errorf("%.4f allocations per round trip, want at most %v", allocs, limit)
			}
		})
	}
}
