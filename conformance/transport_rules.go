package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"golang.org/x/net/nettest"

	"github.com/ace-go/ace/core"
)

// infoString renders a ConnInfo for comparison and messages.
func infoString(i core.ConnInfo) string {
	str := func(a net.Addr) string {
		if a == nil {
			return "<nil>"
		}
		return a.Network() + "/" + a.String()
	}
	return fmt.Sprintf("{transport %q, local %s, remote %s, tls %v}", i.Transport, str(i.LocalAddr), str(i.RemoteAddr), i.TLS != nil)
}

// checkInfo checks a server-side ConnInfo against the client's view of the
// same connection.
func checkInfo(c *tcase, info core.ConnInfo, clientLocal, clientRemote net.Addr, what string) {
	c.t.Helper()
	if info.Transport == "" {
		c.errorf("%s names no transport: %s", what, infoString(info))
	}
	if c.h.Transport != "" && info.Transport != c.h.Transport {
		c.errorf("%s names the transport %q, want %q", what, info.Transport, c.h.Transport)
	}
	if info.LocalAddr == nil || info.RemoteAddr == nil {
		c.errorf("%s lacks an address: %s", what, infoString(info))
		return
	}
	if clientRemote != nil && info.LocalAddr.String() != clientRemote.String() {
		c.errorf("%s has the local address %v, but the client is connected to %v", what, info.LocalAddr, clientRemote)
	}
	if clientLocal != nil && clientLocal.String() != "" && info.RemoteAddr.String() != "" &&
		info.RemoteAddr.String() != clientLocal.String() {
		c.errorf("%s has the remote address %v, but the client's address is %v", what, info.RemoteAddr, clientLocal)
	}
}

// acceptPair accepts one connection from ln while Harness.Dial connects to
// it, running the server's side of any handshake, and returns both ends.
func acceptPair(ctx context.Context, h *Harness, ln core.Listener) (core.Conn, net.Conn, error) {
	type accepted struct {
		conn core.Conn
		err  error
	}
	ch := make(chan accepted, 1)
	go func() {
		conn, err := ln.Accept(ctx)
		if err == nil {
			if hs, ok := conn.(core.Handshaker); ok {
				if err = hs.HandshakeContext(ctx); err != nil {
					_ = conn.Close()
					conn = nil
				}
			}
		}
		ch <- accepted{conn, err}
	}()
	cl, dialErr := h.Dial(ctx, ln.Addr())
	var a accepted
	select {
	case a = <-ch:
	case <-ctx.Done():
		a.err = ctx.Err()
	}
	if dialErr != nil || a.err != nil {
		if cl != nil {
			_ = cl.Close()
		}
		if a.conn != nil {
			_ = a.conn.Close()
		}
		return nil, nil, errors.Join(dialErr, a.err)
	}
	return a.conn, cl, nil
}

// T1: a listener's Accept takes a context and returns a connection, or an
// error wrapping net.ErrClosed after Close; Close is idempotent.
func testAcceptCloseErrClosed(c *tcase) {
	ln := c.listen()
	srv, cl, err := acceptPair(c.ctx, c.h, ln)
	if err != nil {
		c.failf("accepting a connection: %v", err)
	}
	_ = srv.Close()
	_ = cl.Close()

	const waiters = 3
	results := make(chan error, waiters)
	for range waiters {
		go func() {
			conn, err := ln.Accept(c.ctx)
			if conn != nil {
				_ = conn.Close()
			}
			results <- err
		}()
	}
	if !within(c.timeout, func() { _ = ln.Close() }) {
		c.failf("Listener.Close did not return")
	}
	for i := range waiters {
		select {
		case err := <-results:
			if !errors.Is(err, net.ErrClosed) {
				c.errorf("an Accept blocked when Close was called returned %v, want an error wrapping net.ErrClosed", err)
			}
		case <-c.ctx.Done():
			c.errorf("%d of %d Accept calls still blocked after Close", waiters-i, waiters)
			return
		}
	}
	var after error
	if !within(c.timeout, func() { _, after = ln.Accept(c.ctx) }) {
		c.failf("Accept after Close blocked")
	}
	if !errors.Is(after, net.ErrClosed) {
		c.errorf("Accept after Close returned %v, want an error wrapping net.ErrClosed", after)
	}
	var again error
	if !within(c.timeout, func() { again = ln.Close() }) {
		c.failf("a second Close did not return")
	}
	if again != nil && !errors.Is(again, net.ErrClosed) {
		c.errorf("a second Close returned %v; Close must be idempotent", again)
	}
}

// T1: Accept returns ctx.Err() when its context is done, and the listener
// carries on.
func testAcceptContextCancel(c *tcase) {
	ln := c.listen()
	accept := func(ctx context.Context) <-chan error {
		ch := make(chan error, 1)
		go func() {
			conn, err := ln.Accept(ctx)
			if conn != nil {
				_ = conn.Close()
				err = errors.New("accepted a connection nobody dialed")
			}
			ch <- err
		}()
		return ch
	}
	wait := func(ch <-chan error, want error, what string) {
		select {
		case err := <-ch:
			if !errors.Is(err, want) {
				c.errorf("Accept %s returned %v, want %v", what, err, want)
			}
		case <-c.ctx.Done():
			c.errorf("Accept %s did not return", what)
		}
	}
	cctx, cancel := context.WithCancel(c.ctx)
	ch := accept(cctx)
	cancel()
	wait(ch, context.Canceled, "with a context cancelled while it waits")
	wait(accept(cctx), context.Canceled, "with a context cancelled before the call")
	dctx, dcancel := context.WithTimeout(c.ctx, 20*time.Millisecond)
	defer dcancel()
	wait(accept(dctx), context.DeadlineExceeded, "with a context whose deadline passes")

	srv, cl, err := acceptPair(c.ctx, c.h, ln)
	if err != nil {
		c.errorf("after cancelled Accept calls, the listener cannot accept: %v; goroutines:\n%s", err, allStacks())
		return
	}
	defer srv.Close()
	defer cl.Close()
	checkStream(c, srv, cl)
}

// checkStream sends a few bytes each way.
func checkStream(c *tcase, srv core.Conn, cl net.Conn) {
	c.t.Helper()
	_ = srv.SetDeadline(c.deadline())
	_ = cl.SetDeadline(c.deadline())
	for _, p := range []struct {
		from, to net.Conn
		name     string
	}{{cl, srv, "client to server"}, {srv, cl, "server to client"}} {
		done := make(chan error, 1)
		go func() {
			_, err := p.from.Write([]byte("ping"))
			done <- err
		}()
		buf := make([]byte, 4)
		if _, err := io.ReadFull(p.to, buf); err != nil || string(buf) != "ping" {
			c.errorf("%s: read %q, %v; want \"ping\"", p.name, buf, err)
		}
		if err := <-done; err != nil {
			c.errorf("%s: write: %v", p.name, err)
		}
	}
}

// T2: a connection is a byte stream with net.Conn semantics: it passes
// nettest.TestConn.
func testConnTest(c *tcase) {
	if c.h.NoConnTest {
		c.t.Skip("Harness.NoConnTest is set")
	}
	nettest.TestConn(c.t, func() (c1, c2 net.Conn, stop func(), err error) {
		ln, err := c.h.Listen(c.ctx)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("Harness.Listen: %w", err)
		}
		srv, cl, err := acceptPair(c.ctx, c.h, ln)
		if err != nil {
			_ = ln.Close()
			return nil, nil, nil, err
		}
		stop = func() {
			_ = cl.Close()
			_ = srv.Close()
			_ = ln.Close()
		}
		c.onRelease(stop)
		return cl, srv, stop, nil
	})
}

// T2: a connection reports its info: transport name and both addresses.
func testInfo(c *tcase) {
	ln := c.listen()
	srv, cl, err := acceptPair(c.ctx, c.h, ln)
	if err != nil {
		c.failf("accepting a connection: %v", err)
	}
	c.onRelease(func() { _ = srv.Close(); _ = cl.Close() })
	info := srv.Info()
	checkInfo(c, info, cl.LocalAddr(), cl.RemoteAddr(), "Conn.Info")
	if info.LocalAddr != nil && srv.LocalAddr() != nil && info.LocalAddr.String() != srv.LocalAddr().String() {
		c.errorf("Info().LocalAddr %v differs from LocalAddr() %v", info.LocalAddr, srv.LocalAddr())
	}
	if info.RemoteAddr != nil && srv.RemoteAddr() != nil && info.RemoteAddr.String() != srv.RemoteAddr().String() {
		c.errorf("Info().RemoteAddr %v differs from RemoteAddr() %v", info.RemoteAddr, srv.RemoteAddr())
	}
	if got := core.InfoOf(srv); infoString(got) != infoString(info) {
		c.errorf("core.InfoOf gives %s, Info() %s", infoString(got), infoString(info))
	}
	checkStream(c, srv, cl)
}
