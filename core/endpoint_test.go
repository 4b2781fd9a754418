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
	"github.com/stretchr/testify/require"
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
	require.EqualValues(t, 3, e.Stats().Accepting, "accepting right after Start")
	require.NotZero(t, e.Addr().(*net.TCPAddr).Port, "the endpoint's port")
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
	require.Eventually(t, func() bool {
		st := e.Stats()
		return st.BytesIn == 5 && st.BytesOut == 5
	}, wait, tick, "5 bytes in and out of live connections")
	for _, c := range clients[:2] {
		_ = c.Close()
	}
	require.Eventually(t, func() bool { return e.Stats().Closed == 2 }, wait, tick, "two connections closed")
	if st := e.Stats(); st.BytesIn != 5 || st.BytesOut != 5 {
		t.Fatalf("bytes in/out %d/%d of live and ended connections, want 5/5", st.BytesIn, st.BytesOut)
	}
	for _, c := range clients[2:] {
		_ = c.Close()
	}
	require.Eventually(t, func() bool {
		st := e.Stats()
		return st.Active == 0 && st.Closed == 5 && st.Accepting == 3
	}, wait, tick, "all connections closed")
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
	require.NoError(t, e.Drain())
	require.NoError(t, e.Drain(), "second Drain")
	if nc, err := net.DialTimeout("tcp", e.Addr().String(), wait); err == nil {
		_ = nc.Close()
		t.Fatal("dial after drain succeeded")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial after drain = %v, want connection refused", err)
	}
	c.send("b")
	require.Equal(t, "b", c.readN(1), "established connection after drain")
	require.Eventually(t, func() bool { return e.Stats().Accepting == 0 }, wait, tick, "no acceptor")
}

func TestEndpointShutdown(t *testing.T) { // E4
	app := newProbeApp(nil)
	e, _ := start(t, app, core.Config{Acceptors: 2})
	c1, c2 := dial(t, e.Addr()), dial(t, e.Addr())
	c1.send("1")
	c1.readN(1)
	c2.send("2")
	c2.readN(1)
	require.NoError(t, e.Shutdown(ctxWait(t)), "Shutdown")
	c1.eof("bye\n")
	c2.eof("bye\n")
	for i := 0; i < 2; i++ {
		require.NoError(t, app.next(t).reason(t), "reason")
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
	require.ErrorIs(t, e.Shutdown(ctx), context.DeadlineExceeded, "Shutdown")
	p := app.next(t)
	require.Equal(t, "connect", p.event(t))
	p.event(t) // packet
	require.Equal(t, "info:{"+fmt.Sprint(mustDeadline(ctx))+"}", p.event(t), "event")
	require.ErrorIs(t, p.reason(t), core.ErrForcedClose, "reason")
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
	require.Eventually(t, func() bool { return e.Stats().Accepting == 0 }, wait, tick, "accepting to pause")
	c2 := dial(t, e.Addr()) // waits in the backlog
	c2.send("2")
	_ = c2.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := c2.Read(make([]byte, 1)); err == nil {
		t.Fatalf("second client served (%d bytes) at the limit", n)
	}
	_ = c1.Close()
	require.Equal(t, "2", c2.readN(1), "second client after the first left")
	// Raising the limit resumes accepting at once.
	e.SetMaxConns(3)
	c3, c4 := dial(t, e.Addr()), dial(t, e.Addr())
	c3.send("3")
	c4.send("4")
	require.Equal(t, "3", c3.readN(1), "a client under the raised limit")
	require.Equal(t, "4", c4.readN(1), "a client under the raised limit")
	require.Equal(t, 3, e.MaxConns(), "MaxConns")
	// Lowering it stops the waiting servers beyond it.
	e.SetMaxConns(1)
	require.Eventually(t, func() bool { return e.Stats().Accepting == 0 }, wait, tick, "acceptors to stop")
	e.SetMaxConns(0)
	require.Eventually(t, func() bool { return e.Stats().Accepting == 4 }, wait, tick, "acceptors to resume")
}

func TestEndpointMaxConnsRefuse(t *testing.T) { // E5
	e, _ := start(t, newProbeApp(nil), core.Config{Acceptors: 2, MaxConns: 1, RefuseAtLimit: true})
	c1 := dial(t, e.Addr())
	c1.send("1")
	c1.readN(1)
	c2 := dial(t, e.Addr())
	c2.eof("")
	require.Equal(t, uint64(1), e.Stats().Refused, "refused")
	_ = c1.Close()
	require.Eventually(t, func() bool { return e.Stats().Active == 0 }, wait, tick, "first connection closed")
	c3 := dial(t, e.Addr())
	c3.send("3")
	require.Equal(t, "3", c3.readN(1), "a client below the limit")
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
	require.Equal(t, "x", c.readN(1), "a client after temporary errors")
	require.Empty(t, ln.errs, "injected errors not consumed")
}

func TestEndpointCloseIdempotent(t *testing.T) {
	e, _ := start(t, newProbeApp(nil), core.Config{Acceptors: 2})
	require.NoError(t, e.Close())
	require.NoError(t, e.Close())
	require.NoError(t, e.Shutdown(context.Background()))
}
