package core_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
)

func start(t *testing.T, app core.App, cfg core.Config) (*core.Endpoint, *testListener) {
	t.Helper()
	ln := listenTCP(t)
	e := core.Start(ln, app, cfg)
	t.Cleanup(func() { _ = e.Close() })
	return e, ln
}

func TestEndpointAcceptors(t *testing.T) { // E1, E2, G1
	app := newProbeApp(nil)
	e, _ := start(t, app, core.Config{Acceptors: 3})
	if got := e.Stats().Accepting; got != 3 {
		t.Fatalf("accepting %d right after Start, want 3", got)
	}
	if port := e.Addr().(*net.TCPAddr).Port; port == 0 {
		t.Fatal("endpoint reports port 0")
	}
	var clients []*client
	for i := 0; i < 5; i++ {
		c := dial(t, e.Addr())
		c.send("x")
		c.readN(1)
		clients = append(clients, c)
	}
	st := e.Stats()
	if st.Accepting != 3 || st.Active != 5 || st.Accepted != 5 {
		t.Fatalf("stats %+v, want 3 accepting, 5 active and accepted", st)
	}
	// The bytes of live connections count (a server counts a write once
	// it returns, which may be after the client read the echo).
	eventually(t, "5 bytes in and out of live connections", func() bool {
		st := e.Stats()
		return st.BytesIn == 5 && st.BytesOut == 5
	})
	for _, c := range clients[:2] {
		_ = c.Close()
	}
	eventually(t, "two connections closed", func() bool { return e.Stats().Closed == 2 })
	if st := e.Stats(); st.BytesIn != 5 || st.BytesOut != 5 {
		t.Fatalf("bytes in/out %d/%d of live and ended connections, want 5/5", st.BytesIn, st.BytesOut)
	}
	for _, c := range clients[2:] {
		_ = c.Close()
	}
	eventually(t, "all connections closed", func() bool {
		st := e.Stats()
		return st.Active == 0 && st.Closed == 5 && st.Accepting == 3
	})
	st = e.Stats()
	if st.BytesIn != 5 || st.BytesOut != 5 {
		t.Fatalf("bytes in/out %d/%d, want 5/5", st.BytesIn, st.BytesOut)
	}
}

func TestEndpointDrain(t *testing.T) { // E3
	e, _ := start(t, newProbeApp(nil), core.Config{Acceptors: 2})
	c := dial(t, e.Addr())
	c.send("a")
	c.readN(1)
	if err := e.Drain(); err != nil {
		t.Fatal(err)
	}
	if err := e.Drain(); err != nil {
		t.Fatalf("second Drain = %v", err)
	}
	if nc, err := net.DialTimeout("tcp", e.Addr().String(), wait); err == nil {
		_ = nc.Close()
		t.Fatal("dial after drain succeeded")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial after drain = %v, want connection refused", err)
	}
	c.send("b")
	if got := c.readN(1); got != "b" {
		t.Fatalf("established connection after drain: %q", got)
	}
	eventually(t, "no acceptor", func() bool { return e.Stats().Accepting == 0 })
}

func TestEndpointShutdown(t *testing.T) { // E4
	app := newProbeApp(nil)
	e, _ := start(t, app, core.Config{Acceptors: 2})
	c1, c2 := dial(t, e.Addr()), dial(t, e.Addr())
	c1.send("1")
	c1.readN(1)
	c2.send("2")
	c2.readN(1)
	if err := e.Shutdown(ctxWait(t)); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	c1.eof("bye\n")
	c2.eof("bye\n")
	for i := 0; i < 2; i++ {
		if err := app.next(t).reason(t); err != nil {
			t.Fatalf("reason %v, want nil (the app closed)", err)
		}
	}
	if st := e.Stats(); st.Active != 0 || st.Accepting != 0 {
		t.Fatalf("after Shutdown: %+v", st)
	}
}

func TestEndpointShutdownForce(t *testing.T) { // E4
	app := newProbeApp(func() *probe {
		p := newProbe()
		p.info = func(any) core.Action { return core.Continue() } // ignores Shutdown
		return p
	})
	e, _ := start(t, app, core.Config{Acceptors: 1})
	c := dial(t, e.Addr())
	c.send("1")
	c.readN(1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := e.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
	}
	p := app.next(t)
	if e := p.event(t); e != "connect" {
		t.Fatal(e)
	}
	p.event(t) // packet
	if ev := p.event(t); ev != "info:{"+fmt.Sprint(mustDeadline(ctx))+"}" {
		t.Fatalf("event %q, want the shutdown notice", ev)
	}
	if err := p.reason(t); !errors.Is(err, core.ErrForcedClose) {
		t.Fatalf("reason %v", err)
	}
	c.eof("")
}

func mustDeadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

func TestEndpointMaxConnsPause(t *testing.T) { // E5
	e, _ := start(t, newProbeApp(nil), core.Config{Acceptors: 4, MaxConns: 1})
	c1 := dial(t, e.Addr())
	c1.send("1")
	c1.readN(1)
	eventually(t, "accepting to pause", func() bool { return e.Stats().Accepting == 0 })
	c2 := dial(t, e.Addr()) // waits in the backlog
	c2.send("2")
	_ = c2.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := c2.Read(make([]byte, 1)); err == nil {
		t.Fatalf("second client served (%d bytes) at the limit", n)
	}
	_ = c1.Close()
	if got := c2.readN(1); got != "2" {
		t.Fatalf("second client after the first left: %q", got)
	}
	// Raising the limit resumes accepting at once.
	e.SetMaxConns(3)
	c3, c4 := dial(t, e.Addr()), dial(t, e.Addr())
	c3.send("3")
	c4.send("4")
	if c3.readN(1) != "3" || c4.readN(1) != "4" {
		t.Fatal("clients under the raised limit not served")
	}
	if got := e.MaxConns(); got != 3 {
		t.Fatalf("MaxConns %d", got)
	}
	// Lowering it stops the waiting servers beyond it.
	e.SetMaxConns(1)
	eventually(t, "acceptors to stop", func() bool { return e.Stats().Accepting == 0 })
	e.SetMaxConns(0)
	eventually(t, "acceptors to resume", func() bool { return e.Stats().Accepting == 4 })
}

func TestEndpointMaxConnsRefuse(t *testing.T) { // E5
	e, _ := start(t, newProbeApp(nil), core.Config{Acceptors: 2, MaxConns: 1, RefuseAtLimit: true})
	c1 := dial(t, e.Addr())
	c1.send("1")
	c1.readN(1)
	c2 := dial(t, e.Addr())
	c2.eof("")
	if got := e.Stats().Refused; got != 1 {
		t.Fatalf("refused %d", got)
	}
	_ = c1.Close()
	eventually(t, "first connection closed", func() bool { return e.Stats().Active == 0 })
	c3 := dial(t, e.Addr())
	c3.send("3")
	if c3.readN(1) != "3" {
		t.Fatal("not served below the limit")
	}
}

func TestEndpointTemporaryAcceptErrors(t *testing.T) { // E6, G2
	ln := listenTCP(t)
	for i := 0; i < 3; i++ {
		ln.errs <- fmt.Errorf("accept: %w", syscall.EMFILE)
	}
	e := core.Start(ln, newProbeApp(nil), core.Config{Acceptors: 1, Logger: discard()})
	t.Cleanup(func() { _ = e.Close() })
	c := dial(t, e.Addr())
	c.send("x")
	if c.readN(1) != "x" {
		t.Fatal("not served after temporary errors")
	}
	if len(ln.errs) != 0 {
		t.Fatal("injected errors not consumed")
	}
}

func TestEndpointCloseIdempotent(t *testing.T) {
	e, _ := start(t, newProbeApp(nil), core.Config{Acceptors: 2})
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
