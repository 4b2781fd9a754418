package conformance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
)

// statsIs polls e's stats until want(stats) holds, within the case's
// deadline, and reports the last snapshot if it never does.
func (c *tcase) statsIs(e *core.Endpoint, what string, want func(core.Stats) bool) bool {
	c.t.Helper()
	var st core.Stats
	if c.poll(func() bool { st = e.Stats(); return want(st) }) {
		return true
	}
	c.errorf("%s; stats: %+v", what, st)
	return false
}

// G1: each governor keeps exactly one server waiting in accept, and starts
// the next one as soon as its server takes a connection, before that
// connection's Connect returns.
func testNextServerAtOnce(c *tcase) {
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	rec := newRecorder(probeOptions{onConnect: func(id int) (core.Action, bool) {
		if id == 1 {
			<-release
		}
		return core.Action{}, false
	}})
	ln := c.listen()
	cfg := c.config()
	cfg.Acceptors = 1
	e := c.start(ln, rec, cfg)
	c.onRelease(unblock)
	if !c.statsIs(e, "one governor must keep exactly one server waiting", func(s core.Stats) bool { return s.Accepting == 1 }) {
		return
	}
	first := c.dialAsync(e.Addr())
	if !rec.wait(c.ctx, func() bool { return len(rec.conns) > 0 && rec.conns[0].connected }) {
		c.failf("the first client's Connect did not run")
	}
	if !c.statsIs(e, "while the first connection's Connect runs, the governor must already have its next server waiting",
		func(s core.Stats) bool { return s.Accepting == 1 }) {
		return
	}
	second := c.dial(e.Addr())
	second.roundTrip("ping", "G1: the next server serves while the first connection is still in Connect")
	unblock()
	cl := c.wrap(c.awaitDial(first, "the first client's Dial did not complete"))
	cl.greeting()
	cl.roundTrip("ping", "G1")
	for i := range 3 {
		more := c.dial(e.Addr())
		more.roundTrip(fmt.Sprint("more ", i), "G1: one governor serves connection after connection")
	}
	if st := e.Stats(); st.Accepting > 1 {
		c.errorf("%d servers wait in accept with one governor", st.Accepting)
	}
	c.statsIs(e, "one governor with five live connections keeps exactly one server waiting",
		func(s core.Stats) bool { return s.Accepting == 1 && s.Active == 5 })
	c.checkProbe(rec)
}

// G2: a server that ends before taking a connection is replaced.
func testEarlyEndReplaced(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := &spyListener{Listener: c.listen(), inject: []error{errInjected}}
	cfg := c.config()
	cfg.Acceptors = 1
	e := c.start(ln, rec, cfg)
	ok := c.poll(func() bool {
		n, _ := ln.injected()
		return n == 1 && e.Stats().Accepting == 1
	})
	if !ok {
		n, _ := ln.injected()
		c.errorf("after its server's Accept failed (%d failure(s)), the governor has %d servers waiting, want 1", n, e.Stats().Accepting)
		return
	}
	cl := c.dial(e.Addr())
	cl.roundTrip("ping", "G2: the replacement server serves")
	c.checkProbe(rec)
}

// G3: a server that ends after taking a connection does not affect its
// governor, however the connection ends.
func testServedEnd(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := c.listen()
	cfg := c.config()
	cfg.Acceptors = 1
	e := c.start(ln, rec, cfg)
	ends := []struct {
		name string
		end  func(cl *client)
	}{
		{"the client closed", func(cl *client) { cl.close() }},
		{"the app closed", func(cl *client) {
			cl.send("close")
			cl.expect("bye", "S8")
			cl.expectClosed("S8")
			cl.close()
		}},
		{"the handler panicked", func(cl *client) {
			cl.send("panic")
			cl.expectClosed("S12")
			cl.close()
		}},
	}
	for _, end := range ends {
		cl := c.dial(e.Addr())
		cl.roundTrip("ping", "G3")
		end.end(cl)
		if _, ok := c.waitDisconnect(rec, cl.id, "G3"); !ok {
			return
		}
		if !c.statsIs(e, end.name+": the governor must still have exactly one server waiting",
			func(s core.Stats) bool { return s.Accepting == 1 && s.Active == 0 }) {
			return
		}
	}
	cl := c.dial(e.Addr())
	cl.roundTrip("ping", "G3: the governor still serves")
	c.checkProbe(rec)
}

// E1: an endpoint starts N governors; N servers wait in accept at any moment.
func testAcceptorsWaiting(c *tcase) {
	rec := newRecorder(probeOptions{})
	cfg := c.config()
	cfg.Acceptors = 3
	e := c.start(c.listen(), rec, cfg)
	if !c.statsIs(e, "Acceptors 3: want 3 servers waiting", func(s core.Stats) bool { return s.Accepting == 3 }) {
		return
	}
	a := c.dial(e.Addr())
	b := c.dial(e.Addr())
	c.statsIs(e, "Acceptors 3 with 2 live connections: want 3 servers waiting",
		func(s core.Stats) bool { return s.Accepting == 3 && s.Active == 2 })
	a.roundTrip("ping", "E1")
	b.roundTrip("ping", "E1")

	e2 := c.start(c.listen(), newRecorder(probeOptions{}), c.config())
	c.statsIs(e2, fmt.Sprintf("the default Acceptors: want %d servers waiting", core.DefaultAcceptors),
		func(s core.Stats) bool { return s.Accepting == core.DefaultAcceptors })
	c.checkProbe(rec)
}

// E2: port 0 asks the OS for a port; the endpoint reports the address it got.
func testPortZero(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := c.listen()
	e := c.start(ln, rec, c.config())
	addr := e.Addr()
	if addr == nil {
		c.failf("Endpoint.Addr is nil")
	}
	if addr.String() != ln.Addr().String() {
		c.errorf("Endpoint.Addr is %v, the listener's %v", addr, ln.Addr())
	}
	switch a := addr.(type) {
	case *net.TCPAddr:
		if a.Port == 0 {
			c.errorf("Endpoint.Addr %v has port 0, want the port the system chose", a)
		}
	case *net.UDPAddr:
		if a.Port == 0 {
			c.errorf("Endpoint.Addr %v has port 0, want the port the system chose", a)
		}
	default:
		if strings.HasSuffix(addr.String(), ":0") {
			c.errorf("Endpoint.Addr %v ends in port 0, want the port the system chose", addr)
		}
	}
	cl := c.dial(addr)
	cl.roundTrip("ping", "E2: the reported address reaches the endpoint")
	if other := c.listen().Addr(); other.String() == addr.String() {
		c.errorf("two listeners on port 0 got the same address %v", addr)
	}
	c.checkProbe(rec)
}

// expectRefused checks that a client dialing addr is refused or closed at
// once, not served and not left hanging.
func (c *tcase) expectRefused(addr net.Addr, why string) {
	c.t.Helper()
	select {
	case res := <-c.dialAsync(addr):
		if res.err == nil {
			cl := c.wrap(res.conn)
			cl.expectClosed(why)
			cl.close()
		}
	case <-c.ctx.Done():
		c.errorf("%s: a new client was left hanging in Dial", why)
	}
}

// E3: drain: no new connection is served, and established ones carry on.
func testDrainRefusesNew(c *tcase) {
	rec := newRecorder(probeOptions{})
	cfg := c.config()
	cfg.Acceptors = 2
	e := c.start(c.listen(), rec, cfg)
	cl := c.dial(e.Addr())
	cl.roundTrip("ping", "E3")
	if !within(c.timeout, func() { _ = e.Drain() }) {
		c.failf("Drain did not return")
	}
	select {
	case <-e.Draining():
	default:
		c.errorf("Draining is not closed after Drain")
	}
	if !within(c.timeout, func() { _ = e.Drain() }) {
		c.failf("a second Drain did not return")
	}
	c.statsIs(e, "after Drain no server may wait in accept", func(s core.Stats) bool { return s.Accepting == 0 && s.Active == 1 })
	cl.roundTrip("ping", "E3: an established connection carries on after Drain")
	c.expectRefused(e.Addr(), "E3: after Drain new clients are refused")
	if n := rec.count(); n != 1 {
		c.errorf("%d connections were served, want only the one established before Drain", n)
	}
	cl.roundTrip("ping", "E3: an established connection carries on after Drain")
	cl.send("close")
	cl.expect("bye", "S8")
	cl.expectClosed("S8")
	c.checkProbe(rec)
}

// shutdown runs e.Shutdown(ctx) and fails the case if it does not return
// before the case's deadline.
func (c *tcase) shutdown(e *core.Endpoint, ctx context.Context, during func()) error {
	c.t.Helper()
	done := make(chan error, 1)
	go func() { done <- e.Shutdown(ctx) }()
	during()
	select {
	case err := <-done:
		return err
	case <-c.ctx.Done():
		c.failf("Shutdown did not return")
		return nil
	}
}

// E4: shutdown drains, tells every live server, waits for them to end, and
// returns only when every goroutine is gone.
func testGracefulShutdown(c *tcase) {
	rec := newRecorder(probeOptions{})
	cfg := c.config()
	cfg.Acceptors = 2
	e := c.start(c.listen(), rec, cfg)
	cls := []*client{c.dial(e.Addr()), c.dial(e.Addr()), c.dial(e.Addr())}
	for _, cl := range cls {
		cl.roundTrip("ping", "E4")
	}
	err := c.shutdown(e, c.ctx, func() {
		for _, cl := range cls {
			cl.expect("bye", "E4: the app sees Shutdown and finishes politely")
			cl.expectClosed("E4: the connection ends after Shutdown")
			cl.close()
		}
	})
	if err != nil {
		c.errorf("Shutdown returned %v, want nil when every connection ended in time", err)
	}
	// Shutdown has returned: every server must have ended already.
	for _, cl := range cls {
		cr := rec.snapshot(cl.id)
		if cr.disconnects != 1 {
			c.errorf("conn %d: Disconnect had run %d times when Shutdown returned, want 1", cl.id, cr.disconnects)
		}
		if len(cr.shutdowns) != 1 {
			c.errorf("conn %d: Info received %d Shutdown messages, want 1", cl.id, len(cr.shutdowns))
		}
		if cr.reason != nil {
			c.errorf("conn %d: Disconnect reason %v, want nil after the app closed", cl.id, cr.reason)
		}
	}
	if st := e.Stats(); st.Accepting != 0 || st.Active != 0 {
		c.errorf("Shutdown returned with servers still running; stats: %+v", st)
	}
	c.expectRefused(e.Addr(), "E4: after Shutdown new clients are refused")
	c.checkProbe(rec)
}

// E4: shutdown force-closes what remains when its context expires.
func testShutdownForceCloses(c *tcase) {
	rec := newRecorder(probeOptions{ignoreShutdown: true})
	cfg := c.config()
	cfg.Acceptors = 2
	e := c.start(c.listen(), rec, cfg)
	cls := []*client{c.dial(e.Addr()), c.dial(e.Addr())}
	for _, cl := range cls {
		cl.roundTrip("ping", "E4")
	}
	sctx, cancel := context.WithTimeout(c.ctx, 100*time.Millisecond)
	defer cancel()
	err := c.shutdown(e, sctx, func() {})
	if !errors.Is(err, context.DeadlineExceeded) {
		c.errorf("Shutdown with connections that ignore it returned %v, want context.DeadlineExceeded", err)
	}
	for _, cl := range cls {
		cr := rec.snapshot(cl.id)
		if cr.disconnects != 1 {
			c.errorf("conn %d: Disconnect had run %d times when Shutdown returned, want 1", cl.id, cr.disconnects)
		}
		if len(cr.shutdowns) != 1 {
			c.errorf("conn %d: Info received %d Shutdown messages, want 1", cl.id, len(cr.shutdowns))
		} else if cr.shutdowns[0].Deadline.IsZero() {
			c.errorf("conn %d: the Shutdown message has no deadline, though Shutdown's context has one", cl.id)
		}
		if !errors.Is(cr.reason, core.ErrForcedClose) {
			c.errorf("conn %d: Disconnect reason %v, want ErrForcedClose", cl.id, cr.reason)
		}
		cl.expectClosed("E4: a connection is force-closed when Shutdown's context expires")
	}
	c.checkProbe(rec)
}

// E5: at the limit, accepting pauses until a connection ends.
func testMaxConnsPause(c *tcase) {
	rec := newRecorder(probeOptions{})
	cfg := c.config()
	cfg.Acceptors = 2
	cfg.MaxConns = 1
	e := c.start(c.listen(), rec, cfg)
	if got := e.MaxConns(); got != 1 {
		c.errorf("MaxConns() = %d, want 1", got)
	}
	a := c.dial(e.Addr())
	a.roundTrip("ping", "E5")
	if !c.statsIs(e, "at the limit accepting must pause: no server may wait in accept",
		func(s core.Stats) bool { return s.Accepting == 0 && s.Active == 1 }) {
		return
	}
	pending := c.dialAsync(e.Addr())
	if st := e.Stats(); st.Accepting != 0 || st.Accepted != 1 {
		c.errorf("at the limit a server accepts; stats: %+v", st)
	}
	a.roundTrip("ping", "E5")
	a.close()
	if _, ok := c.waitDisconnect(rec, a.id, "E5"); !ok {
		return
	}
	b := c.wrap(c.awaitDial(pending, "the waiting client was not accepted after the connection at the limit ended"))
	b.greeting()
	b.roundTrip("ping", "E5: accepting resumes when a connection ends")
	ra, rb := rec.snapshot(a.id), rec.snapshot(b.id)
	if rb.connectSeq < ra.disconSeq {
		c.errorf("the second client was served while the first was live, beyond MaxConns 1")
	}
	c.checkProbe(rec)
}

// E5: with RefuseAtLimit, new clients at the limit are refused at once.
func testMaxConnsRefuse(c *tcase) {
	rec := newRecorder(probeOptions{})
	cfg := c.config()
	cfg.Acceptors = 2
	cfg.MaxConns = 1
	cfg.RefuseAtLimit = true
	e := c.start(c.listen(), rec, cfg)
	a := c.dial(e.Addr())
	a.roundTrip("ping", "E5")
	c.expectRefused(e.Addr(), "E5: at the limit with RefuseAtLimit a new client is closed at once")
	c.statsIs(e, "Stats.Refused must count the refused client", func(s core.Stats) bool { return s.Refused == 1 })
	if n := rec.count(); n != 1 {
		c.errorf("%d connections were served at MaxConns 1", n)
	}
	a.roundTrip("ping", "E5: the connection at the limit carries on")
	a.close()
	if _, ok := c.waitDisconnect(rec, a.id, "E5"); !ok {
		return
	}
	c.statsIs(e, "the connection at the limit ended", func(s core.Stats) bool { return s.Active == 0 })
	b := c.dial(e.Addr())
	b.roundTrip("ping", "E5: below the limit new clients are served again")
	c.checkProbe(rec)
}

// E5: the limit can be changed at run time.
func testMaxConnsRuntimeChange(c *tcase) {
	rec := newRecorder(probeOptions{})
	cfg := c.config()
	cfg.Acceptors = 3
	cfg.MaxConns = 1
	e := c.start(c.listen(), rec, cfg)
	a := c.dial(e.Addr())
	if !c.statsIs(e, "at MaxConns 1 no server may wait in accept", func(s core.Stats) bool { return s.Accepting == 0 }) {
		return
	}
	e.SetMaxConns(2)
	if got := e.MaxConns(); got != 2 {
		c.errorf("MaxConns() = %d after SetMaxConns(2)", got)
	}
	if !c.statsIs(e, "raising the limit must resume accepting", func(s core.Stats) bool { return s.Accepting >= 1 }) {
		return
	}
	b := c.dial(e.Addr())
	b.roundTrip("ping", "E5: a client is served once the limit is raised")
	if !c.statsIs(e, "at MaxConns 2 with 2 connections no server may wait in accept",
		func(s core.Stats) bool { return s.Accepting == 0 && s.Active == 2 }) {
		return
	}
	e.SetMaxConns(1)
	a.roundTrip("ping", "E5: lowering the limit leaves live connections alone")
	b.roundTrip("ping", "E5: lowering the limit leaves live connections alone")
	b.close()
	if _, ok := c.waitDisconnect(rec, b.id, "E5"); !ok {
		return
	}
	if !c.statsIs(e, "one connection ended", func(s core.Stats) bool { return s.Active == 1 }) {
		return
	}
	if st := e.Stats(); st.Accepting != 0 {
		c.errorf("at the lowered limit of 1 with 1 connection, %d servers wait in accept", st.Accepting)
	}
	e.SetMaxConns(0)
	if !c.statsIs(e, "without a limit every governor has a server waiting",
		func(s core.Stats) bool { return s.Accepting == 3 }) {
		return
	}
	d := c.dial(e.Addr())
	d.roundTrip("ping", "E5: without a limit clients are served")
	a.roundTrip("ping", "E5")
	c.checkProbe(rec)
}

// E6: temporary accept errors are retried with backoff, never fatal.
func testTemporaryAcceptErrors(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := &spyListener{Listener: c.listen(), inject: []error{
		acceptError{syscall.EMFILE}, acceptError{syscall.ECONNABORTED}, acceptError{syscall.EMFILE},
	}}
	cfg := c.config()
	cfg.Acceptors = 1
	e := c.start(ln, rec, cfg)
	ok := c.poll(func() bool {
		n, gaps := ln.injected()
		return n == 3 && len(gaps) == 3
	})
	n, gaps := ln.injected()
	if !ok {
		c.failf("the endpoint stopped accepting after %d temporary accept error(s) (retries after %v)", n, gaps)
	}
	backoff := false
	for _, g := range gaps {
		if g >= time.Millisecond {
			backoff = true
		}
	}
	if !backoff {
		c.errorf("temporary accept errors were retried after %v: want a backoff", gaps)
	}
	cl := c.dial(e.Addr())
	cl.roundTrip("ping", "E6: the endpoint serves after temporary accept errors")
	c.checkProbe(rec)
}

// E7: stats count accepting, active, accepted, closed, panicked, refused and
// bytes, and are cheap to read.
func testStats(c *tcase) {
	rec := newRecorder(probeOptions{})
	cfg := c.config()
	cfg.Acceptors = 2
	e := c.start(c.listen(), rec, cfg)
	if !c.statsIs(e, "a fresh endpoint", func(s core.Stats) bool {
		return s == core.Stats{Accepting: 2}
	}) {
		return
	}
	a := c.dial(e.Addr()) // "hello 1\n": 8 bytes out
	a.roundTrip("abc", "E7")
	// "abc\n" in, "echo: abc\n" out.
	c.statsIs(e, `one connection that received 8+10 bytes and sent 4`, func(s core.Stats) bool {
		// The idle connection may hibernate meanwhile, or not.
		if s.Hibernating == 1 {
			s.Hibernating = 0
		}
		return s == core.Stats{Accepting: 2, Active: 1, Accepted: 1, BytesIn: 4, BytesOut: 18}
	})
	b := c.dial(e.Addr()) // 8 bytes out
	b.send("panic")       // 6 bytes in
	b.expectClosed("S12")
	a.close()
	c.statsIs(e, "two connections ended, one by a panic", func(s core.Stats) bool {
		return s == core.Stats{Accepting: 2, Accepted: 2, Closed: 2, Panicked: 1, BytesIn: 10, BytesOut: 26}
	})
	if allocs := testing.AllocsPerRun(100, func() { _ = e.Stats() }); allocs != 0 {
		c.errorf("Stats allocates %v times per call; it must be cheap enough to read often", allocs)
	}
	c.checkProbe(rec)
}

// E4: a connection accepted while the endpoint shuts down is ended too:
// Close and Shutdown return only when every server has ended.
func testShutdownRacesAccept(c *tcase) {
	for _, how := range []string{"Close", "Shutdown"} {
		rec := newRecorder(probeOptions{})
		ln := &holdListener{Listener: c.listen(), holding: make(chan struct{})}
		cfg := c.config()
		cfg.Acceptors = 1
		e := c.start(ln, rec, cfg)
		dialed := c.dialAsync(e.Addr())
		select {
		case <-ln.holding:
		case <-c.ctx.Done():
			c.failf("the endpoint's server did not accept the client")
		}
		// The server's Accept has the connection and returns it as soon
		// as the endpoint cancels the accept.
		var err error
		stop := func() { err = e.Close() }
		if how == "Shutdown" {
			ctx, cancel := context.WithTimeout(c.ctx, 50*time.Millisecond)
			defer cancel()
			stop = func() { err = e.Shutdown(ctx) }
		}
		d := time.Until(c.deadline()) / 2
		if !within(d, stop) {
			c.errorf("%s did not return within %v: the connection accepted while it ran escaped it and is still served; stats: %+v; goroutines:\n%s",
				how, d, e.Stats(), allStacks())
			return
		}
		if how == "Shutdown" && !errors.Is(err, context.DeadlineExceeded) && err != nil {
			c.errorf("Shutdown returned %v", err)
		}
		if st := e.Stats(); st.Active != 0 || st.Accepting != 0 {
			c.errorf("%s returned with servers running; stats: %+v", how, st)
		}
		select {
		case res := <-dialed:
			if res.err == nil {
				cl := c.wrap(res.conn)
				// The greeting may have been sent before the close.
				data, _ := cl.r.ReadString('\n')
				if data != "" && !strings.HasPrefix(data, "hello ") {
					c.errorf("%s: the client received %q", how, data)
				}
				cl.expectClosed("E4: " + how + " closes a connection accepted while it ran")
				cl.close()
			}
		case <-c.ctx.Done():
			c.errorf("%s: the client's Dial did not return", how)
		}
	}
}
