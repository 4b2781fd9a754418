//go:build linux

package core_test

import (
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
)

// hibernating starts an endpoint whose idle connections hibernate after
// 5ms.
func hibernating(t *testing.T, app core.App) *core.Endpoint {
	t.Helper()
	e, _ := start(t, app, core.Config{Acceptors: 2, HibernateAfter: 5 * time.Millisecond})
	return e
}

func waitHibernating(t *testing.T, e *core.Endpoint, n int64) {
	t.Helper()
	require.Eventually(t, func() bool {
		return e.Stats().Hibernating == n
	}, wait, tick, fmt.Sprintf("%d connections to hibernate", n))
}

func TestHibernateAndWakeOnInput(t *testing.T) {
	app := newProbeApp(nil)
	e := hibernating(t, app)
	c := dial(t, e.Addr())
	p := app.next(t)
	require.Equal(t, "connect", p.event(t), "first event")
	for i := range 3 {
		waitHibernating(t, e, 1)
		msg := fmt.Sprintf("round %d", i)
		c.send(msg)
		require.Equal(t, msg, c.readN(len(msg)), "echo")
		require.Equal(t, "packet:"+msg, p.event(t), "event")
	}
	waitHibernating(t, e, 1)
	_ = c.Close()
	require.ErrorIs(t, p.reason(t), io.EOF, "Disconnect")
	require.Eventually(t, func() bool {
		st := e.Stats()
		return st.Active == 0 && st.Hibernating == 0 && st.Closed == 1
	}, wait, tick, "the connection counted closed")
}

// A hibernating server has no goroutine: many idle connections cost none.
func TestHibernateReleasesGoroutines(t *testing.T) {
	const n = 100
	app := newProbeApp(nil)
	e := hibernating(t, app)
	var clients []*client
	for range n {
		c := dial(t, e.Addr())
		c.send("x")
		c.readN(1)
		clients = append(clients, c)
	}
	waitHibernating(t, e, n)
	if g := runtime.NumGoroutine(); g >= n {
		t.Fatalf("%d goroutines with %d hibernating connections", g, n)
	}
	// Wake them all at once, each twice.
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			for r := range 2 {
				msg := fmt.Sprintf("%d.%d", i, r)
				_ = c.SetDeadline(time.Now().Add(wait))
				if _, err := io.WriteString(c, msg); err != nil {
					t.Errorf("client %d: %v", i, err)
					return
				}
				b := make([]byte, len(msg))
				if _, err := io.ReadFull(c.r, b); err != nil || string(b) != msg {
					t.Errorf("client %d: got %q, %v; want %q", i, b, err, msg)
					return
				}
			}
		})
	}
	wg.Wait()
	waitHibernating(t, e, n)
}

func TestHibernateWakesForTimeout(t *testing.T) {
	app := newProbeApp(func() *probe {
		p := newProbe()
		p.connect = func(*core.Server, core.ConnInfo) core.Action {
			return core.Continue().WithTimeout(300 * time.Millisecond)
		}
		p.info = func(msg any) core.Action {
			if to, ok := msg.(core.Timeout); ok {
				return core.Close([]byte(fmt.Sprintf("idle %v\n", to.After)))
			}
			return core.Continue()
		}
		return p
	})
	e := hibernating(t, app)
	c := dial(t, e.Addr())
	p := app.next(t)
	waitHibernating(t, e, 1)
	c.eof("idle 300ms\n")
	require.NoError(t, p.reason(t), "Disconnect")
}

// messenger is an app whose handlers echo packets, hand their server to the
// test on srvs, and write every message sent to them as a line.
func messenger(srvs chan<- *core.Server) *probeApp {
	return newProbeApp(func() *probe {
		p := newProbe()
		p.events = make(chan string, 4096) // the tests read none
		p.connect = func(s *core.Server, _ core.ConnInfo) core.Action {
			srvs <- s
			return core.Continue()
		}
		p.info = func(msg any) core.Action {
			return core.Send([]byte(fmt.Sprintf("%v\n", msg)))
		}
		return p
	})
}

func TestHibernateWakesForSend(t *testing.T) {
	srvs := make(chan *core.Server, 1)
	e := hibernating(t, messenger(srvs))
	c := dial(t, e.Addr())
	s := <-srvs
	for i := range 3 {
		waitHibernating(t, e, 1)
		require.NoError(t, s.Send(i))
		require.Equal(t, fmt.Sprint(i), c.line())
	}
}

func TestHibernateShutdown(t *testing.T) {
	app := newProbeApp(nil)
	e := hibernating(t, app)
	c := dial(t, e.Addr())
	p := app.next(t)
	waitHibernating(t, e, 1)
	done := make(chan error, 1)
	go func() { done <- e.Shutdown(ctxWait(t)) }()
	c.eof("bye\n")
	require.NoError(t, <-done, "Shutdown")
	require.NoError(t, p.reason(t), "Disconnect")
}

func TestHibernateClose(t *testing.T) {
	app := newProbeApp(nil)
	e := hibernating(t, app)
	_ = dial(t, e.Addr())
	p := app.next(t)
	waitHibernating(t, e, 1)
	require.NoError(t, e.Close())
	require.ErrorIs(t, p.reason(t), core.ErrForcedClose, "Disconnect")
	if st := e.Stats(); st.Active != 0 || st.Hibernating != 0 {
		t.Fatalf("after Close: %+v", st)
	}
}

// TestHibernateStress has connections go idle and wake, by input and by
// Send, at the pace at which they hibernate (1ms), so that wake-ups race
// servers on their way into hibernation. Every byte must arrive, in order.
func TestHibernateStress(t *testing.T) {
	const (
		conns  = 16
		rounds = 40
	)
	srvs := make(chan *core.Server, conns)
	e, _ := start(t, messenger(srvs), core.Config{Acceptors: 2, HibernateAfter: time.Millisecond})
	var wg sync.WaitGroup
	for i := range conns {
		c := dial(t, e.Addr())
		s := <-srvs
		wg.Go(func() {
			for r := range rounds {
				// An idle gap of 0 to 3ms, so that the server is
				// sometimes running, sometimes parking, sometimes
				// asleep when the next event comes.
				<-time.After(time.Duration(r%4) * time.Millisecond)
				msg := fmt.Sprintf("%d.%d", i, r)
				if i%2 == 0 {
					if err := s.Send(msg); err != nil {
						t.Errorf("Send: %v", err)
						return
					}
				} else {
					msg += "\n"
					_ = c.SetWriteDeadline(time.Now().Add(wait))
					if _, err := io.WriteString(c, msg); err != nil {
						t.Errorf("write: %v", err)
						return
					}
					msg = msg[:len(msg)-1]
				}
				_ = c.SetReadDeadline(time.Now().Add(wait))
				line, err := c.r.ReadString('\n')
				if err != nil || line != msg+"\n" {
					t.Errorf("conn %d round %d: got %q, %v; want %q", i, r, line, err, msg)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkHibernateWake measures a round trip that starts after the
// connection has been idle: with the server hibernating, the poller's
// wake-up and the new goroutine are its extra cost; awake, the server's
// goroutine was parked in the runtime's poller. The idle time is not timed.
func BenchmarkHibernateWake(b *testing.B) {
	for _, bc := range []struct {
		name  string
		after time.Duration
	}{{"hibernating", time.Millisecond}, {"awake", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			app := core.AppFunc(func(core.ConnInfo) core.Handler { return echoHandler{} })
			e := core.Start(listenTCP(b), app, core.Config{Acceptors: 1, HibernateAfter: bc.after})
			defer func() { _ = e.Close() }()
			c, err := net.Dial("tcp", e.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = c.Close() }()
			msg := make([]byte, 64)
			roundTrips(b, c, msg, len(msg), 10)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				// Idle as a client between requests is; hibernating
				// takes 1 to 2ms.
				deadline := time.Now().Add(wait)
				time.Sleep(3 * time.Millisecond)
				for bc.after > 0 && e.Stats().Hibernating != 1 {
					if time.Now().After(deadline) {
						b.Fatal("the connection did not hibernate")
					}
					time.Sleep(time.Millisecond)
				}
				b.StartTimer()
				roundTrips(b, c, msg, len(msg), 1)
			}
		})
	}
}
