package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ace-go/ace/core"
)

// S1: a new server is provisioned at once and waits; it accepts nothing
// until told to.
func testProvisionedIdle(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := &spyListener{Listener: c.listen()}
	s := c.newServer(ln, rec, c.config())
	select {
	case <-s.Done():
		c.failf("a new server ended before it was told to accept")
	default:
	}
	if err := safeSend(s, infoMsg(1)); !errors.Is(err, core.ErrNotConnected) {
		c.errorf("Send to a provisioned server returned %v, want ErrNotConnected", err)
	}

	// A client arrives before the server is told to accept. Depending on
	// the transport, Dial completes at once (TCP) or waits for an accept.
	dialed := c.dialAsync(ln.Addr())
	if n := ln.calls.Load(); n != 0 {
		c.errorf("the server called Listener.Accept %d time(s) before it was told to accept", n)
	}
	if n := rec.count(); n != 0 {
		c.errorf("the server served %d connection(s) before it was told to accept", n)
	}
	ref := c.accept(s)
	conn := c.awaitDial(dialed, "the client was not accepted once the server was told to")
	c.await(ref)
	cl := c.wrap(conn)
	cl.greeting()
	cl.roundTrip("ping", "S1: a server told to accept serves the connection")

	// An idle server that is closed ends at once and accepts nothing.
	calls := ln.calls.Load()
	s2 := c.newServer(ln, rec, c.config())
	_ = s2.Close()
	select {
	case <-s2.Done():
	case <-c.ctx.Done():
		c.errorf("an idle server did not end when closed")
	}
	if _, err := s2.Accept(c.ctx); err == nil {
		c.errorf("Accept on a closed idle server succeeded, want ErrServerClosed")
	}
	if n := ln.calls.Load() - calls; n != 0 {
		c.errorf("a closed idle server called Listener.Accept %d time(s)", n)
	}
	c.checkProbe(rec)
}

// safeSend calls s.Send and turns a panic into an error.
func safeSend(s *core.Server, msg any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("Server.Send panicked: %v", r)
		}
	}()
	return s.Send(msg)
}

// S2: a server accepts exactly once; a second accept request fails with a
// clear error and leaves the first untouched.
func testSecondAcceptFails(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := c.listen()
	s := c.newServer(ln, rec, c.config())
	ref := c.accept(s)
	ref2, err := s.Accept(c.ctx)
	if !errors.Is(err, core.ErrAlreadyAccepted) {
		c.errorf("a second Accept while the first waits returned %v, want ErrAlreadyAccepted", err)
	}
	if ref2 != nil {
		c.errorf("a second Accept returned a reference")
	}
	cl := c.dial(ln.Addr())
	c.await(ref)
	if _, err := s.Accept(c.ctx); !errors.Is(err, core.ErrAlreadyAccepted) {
		c.errorf("Accept on a server serving a connection returned %v, want ErrAlreadyAccepted", err)
	}
	cl.roundTrip("ping", "S2: the first accept must be left untouched")
	if n := rec.count(); n != 1 {
		c.errorf("one server served %d connections, want 1", n)
	}
	c.checkProbe(rec)
}

// S3: the server performs the accept itself; Accept returns at once with a
// reference, and awaiting it yields the connection's info.
func testAcceptReturnsReference(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := c.listen()
	s := c.newServer(ln, rec, c.config())
	// No client exists yet: an Accept that waited for one would not return.
	var ref *core.AcceptRef
	if !within(c.timeout, func() { ref, _ = s.Accept(c.ctx) }) {
		c.failf("Server.Accept did not return at once while no client connects")
	}
	if ref == nil {
		c.failf("Server.Accept returned no reference")
	}
	select {
	case <-ref.Ready():
		c.errorf("the reference is ready before any client connected")
	default:
	}
	cctx, cancel := context.WithCancel(c.ctx)
	cancel()
	if _, err := ref.Await(cctx); !errors.Is(err, context.Canceled) {
		c.errorf("Await with a cancelled context returned %v, want context.Canceled", err)
	}

	cl := c.dial(ln.Addr())
	info := c.await(ref)
	checkInfo(c, info, cl.conn.LocalAddr(), cl.conn.RemoteAddr(), "the info the reference yields")
	seen := rec.snapshot(cl.id).info
	if infoString(seen) != infoString(info) {
		c.errorf("the reference yields %s, but Connect received %s", infoString(info), infoString(seen))
	}
	cl.roundTrip("ping", "S3: the connection must be served")
	c.checkProbe(rec)
}

// S4: the connect callback runs first, and its bytes are the first the
// client receives, even when the client speaks first.
func testConnectSendsFirst(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := c.listen()
	s := c.newServer(ln, rec, c.config())
	ref := c.accept(s)
	cl := c.wrap(c.dialRaw(ln.Addr()))
	// Write on another goroutine: on synchronous transports the write
	// completes only when the server reads.
	wrote := make(chan error, 1)
	go func() {
		_, err := io.WriteString(cl.conn, "early\n")
		wrote <- err
	}()
	c.await(ref)
	cl.greeting()
	cl.expect("echo: early", "S4: what the client sent before Connect is read after it")
	if err := <-wrote; err != nil {
		c.errorf("writing before the greeting: %v", err)
	}
	cr := rec.snapshot(cl.id)
	if cr.packets != 1 {
		c.errorf("Packet ran %d times, want 1", cr.packets)
	}
	c.checkProbe(rec)
}

// S4: a connect callback that closes: the client sees the connection closed
// and nothing else (or only what the close carries).
func testConnectClose(c *tcase) {
	rec := newRecorder(probeOptions{onConnect: func(id int) (core.Action, bool) {
		switch id {
		case 1:
			return core.Close(), true
		case 2:
			return core.Close([]byte("gone\n")), true
		}
		return core.Action{}, false
	}})
	ln := c.listen()
	for id, want := range []string{"", "gone"} {
		id++
		s := c.newServer(ln, rec, c.config())
		ref := c.accept(s)
		cl := c.wrap(c.dialRaw(ln.Addr()))
		cl.id = id
		// The reference may resolve with the connection or, since it
		// closed at once, with an error; either is fine.
		_, _ = ref.Await(c.ctx)
		if want != "" {
			cl.expect(want, "S4: a closing Connect sends what its action carries")
		}
		cl.expectClosed("S4: Connect closed the connection")
		cl.close()
		if err := s.Wait(c.ctx); err != nil {
			c.errorf("conn %d: the server did not end after Connect closed: %v", id, err)
		}
		cr, ok := c.waitDisconnect(rec, id, "S4")
		if ok && cr.reason != nil {
			c.errorf("conn %d: Disconnect reason %v, want nil after a close action", id, cr.reason)
		}
		if cr.packets != 0 {
			c.errorf("conn %d: Packet ran %d times after Connect closed", id, cr.packets)
		}
	}
	c.checkProbe(rec)
}

// S5: every packet read invokes the packet callback, and nothing more is
// read from the socket until the callback returns.
func testBackpressure(c *tcase) {
	rec := newRecorder(probeOptions{})
	c.onRelease(rec.unblock)
	ln := &spyListener{Listener: c.listen(), wrapConns: true}
	s := c.newServer(ln, rec, c.config())
	ref := c.accept(s)
	cl := c.dial(ln.Addr())
	c.await(ref)
	ln.mu.Lock()
	if len(ln.conns) != 1 {
		ln.mu.Unlock()
		c.failf("the server accepted %d connections, want 1", len(ln.conns))
	}
	spy := ln.conns[0]
	ln.mu.Unlock()

	cl.send("block")
	if !rec.wait(c.ctx, func() bool { return rec.conns[cl.id-1].blocked }) {
		c.failf("Packet did not receive the line %q", "block")
	}
	reads := spy.reads.Load()
	if spy.inRead.Load() != 0 {
		c.errorf("a Read on the connection is in progress while Packet runs")
	}
	// More data arrives while Packet is blocked. Write it on another
	// goroutine: on synchronous transports the write waits for a read.
	wrote := make(chan error, 1)
	go func() {
		_, err := io.WriteString(cl.conn, "after\n")
		wrote <- err
	}()
	if spy.inRead.Load() != 0 {
		c.errorf("a Read on the connection is in progress while Packet runs")
	}
	if n := spy.reads.Load() - reads; n != 0 {
		c.errorf("the server read from the connection %d time(s) while Packet was running", n)
	}
	rec.unblock()
	cl.expect("unblocked", "S5: the blocked Packet returns")
	cl.expect("echo: after", "S5: data sent while Packet ran is read after it returns")
	if err := <-wrote; err != nil {
		c.errorf("writing while Packet ran: %v", err)
	}

	// Every frame is delivered, once, in order.
	const n = 50
	var batch strings.Builder
	for i := range n {
		fmt.Fprintf(&batch, "p%d\n", i)
	}
	go func() {
		_, err := io.WriteString(cl.conn, batch.String())
		wrote <- err
	}()
	for i := range n {
		if !cl.expect("echo: p"+strconv.Itoa(i), "S5: every packet invokes Packet, in order") {
			return
		}
	}
	if err := <-wrote; err != nil {
		c.errorf("writing a batch of lines: %v", err)
	}
	if got := rec.snapshot(cl.id).packets; got != n+2 {
		c.errorf("Packet ran %d times for %d lines", got, n+2)
	}
	c.checkProbe(rec)
}

// S6: messages sent to a server reach the info callback in order, never
// concurrently with another callback, including while the client is silent.
func testInfoInOrder(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := &spyListener{Listener: c.listen(), wrapConns: true}
	s := c.newServer(ln, rec, c.config())
	ref := c.accept(s)
	cl := c.dial(ln.Addr())
	c.await(ref)
	ln.mu.Lock()
	spy := ln.conns[0]
	ln.mu.Unlock()

	// The client is silent and the server blocked reading: it must wake
	// for each message.
	const woken = 5
	for i := 1; i <= woken; i++ {
		if !c.poll(func() bool { return spy.inRead.Load() > 0 }) {
			c.failf("the server does not read from its idle connection")
		}
		if err := safeSend(s, infoMsg(i)); err != nil {
			c.failf("Send(%d) to a connected server: %v", i, err)
		}
		if !cl.expect("info "+strconv.Itoa(i), "S6: a message sent while the server waits for the silent client reaches Info") {
			return
		}
	}
	// Many messages at once, still from a silent client.
	const n = 50
	for i := woken + 1; i <= n; i++ {
		if err := safeSend(s, infoMsg(i)); err != nil {
			c.failf("Send(%d) to a connected server: %v", i, err)
		}
	}
	for i := woken + 1; i <= n; i++ {
		if !cl.expect("info "+strconv.Itoa(i), "S6: messages sent while the client is silent reach Info, in order") {
			return
		}
	}

	// Messages and packets at once: each stream keeps its order.
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "p%d\n", i)
		}
		if _, err := io.WriteString(cl.conn, b.String()); err != nil {
			c.errorf("writing lines: %v", err)
		}
	}()
	go func() {
		defer wg.Done()
		for i := n + 1; i <= 2*n; i++ {
			if err := safeSend(s, infoMsg(i)); err != nil {
				c.errorf("Send(%d) to a connected server: %v", i, err)
				return
			}
		}
	}()
	nextInfo, nextEcho := n+1, 0
	for range 2 * n {
		line, err := cl.line()
		if err != nil {
			c.errorf("reading replies to interleaved messages and packets (next info %d, next echo %d): %v", nextInfo, nextEcho, err)
			break
		}
		switch {
		case line == "info "+strconv.Itoa(nextInfo):
			nextInfo++
		case line == "echo: p"+strconv.Itoa(nextEcho):
			nextEcho++
		default:
			c.errorf("got %q, want \"info %d\" or \"echo: p%d\": messages or packets out of order", line, nextInfo, nextEcho)
		}
	}
	wg.Wait()
	got := rec.snapshot(cl.id).infos
	for i, v := range got {
		if v != i+1 {
			c.errorf("Info received the messages in the order %v, want 1..%d", got, 2*n)
			break
		}
	}
	c.checkProbe(rec)
}

// S6: a message to a server with no connection is an error returned to the
// sender, not a crash.
func testSendWithoutConnection(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := c.listen()
	s := c.newServer(ln, rec, c.config())
	if err := safeSend(s, infoMsg(1)); !errors.Is(err, core.ErrNotConnected) {
		c.errorf("Send to a server not yet accepting returned %v, want ErrNotConnected", err)
	}
	ref := c.accept(s)
	if err := safeSend(s, infoMsg(2)); !errors.Is(err, core.ErrNotConnected) {
		c.errorf("Send to a server waiting in accept returned %v, want ErrNotConnected", err)
	}
	cl := c.dial(ln.Addr())
	c.await(ref)
	if err := safeSend(s, infoMsg(3)); err != nil {
		c.errorf("Send to a connected server: %v", err)
	}
	cl.expect("info 3", "S6: only the message sent while connected arrives")
	cl.send("close")
	cl.expect("bye", "S8")
	cl.expectClosed("S8")
	cl.close()
	if err := s.Wait(c.ctx); err != nil {
		c.failf("the server did not end after its connection closed: %v", err)
	}
	if err := safeSend(s, infoMsg(4)); err == nil {
		c.errorf("Send to an ended server returned nil, want an error such as ErrServerClosed")
	} else if !errors.Is(err, core.ErrServerClosed) && !errors.Is(err, core.ErrNotConnected) {
		c.errorf("Send to an ended server: %v", err)
	}
	if got := rec.snapshot(cl.id).infos; len(got) != 1 {
		c.errorf("Info received %v, want only [3]", got)
	}
	c.checkProbe(rec)
}

// S7: a callback result may carry a timeout; if nothing arrives within it,
// Info receives a Timeout message.
func testTimeout(c *tcase) {
	const ms = 50
	rec := newRecorder(probeOptions{onConnect: func(id int) (core.Action, bool) {
		if id == 2 {
			return core.Send([]byte("hello 2\n")).WithTimeout(ms * time.Millisecond), true
		}
		return core.Action{}, false
	}})
	ln := c.listen()

	// A timeout set by Packet.
	s := c.newServer(ln, rec, c.config())
	ref := c.accept(s)
	cl := c.dial(ln.Addr())
	c.await(ref)
	start := time.Now()
	cl.send("timeout " + strconv.Itoa(ms))
	if !cl.expect("ok", "S7") ||
		!cl.expect("timeout "+strconv.Itoa(ms), "S7: a silent connection gets Timeout after the timeout its last result set") {
		return
	}
	if d := time.Since(start); d < ms*time.Millisecond {
		c.errorf("Timeout arrived %v after the result that set %dms", d, ms)
	}
	cl.roundTrip("ping", "S7: the connection carries on after a timeout")

	// A timeout set by Connect.
	s2 := c.newServer(ln, rec, c.config())
	ref2 := c.accept(s2)
	cl2 := c.dial(ln.Addr())
	c.await(ref2)
	cl2.expect("timeout "+strconv.Itoa(ms), "S7: a timeout set by Connect")
	for _, id := range []int{cl.id, cl2.id} {
		if n := rec.snapshot(id).timeouts; n != 1 {
			c.errorf("conn %d: Info received %d Timeout messages, want 1", id, n)
		}
	}
	c.checkProbe(rec)
}

// S7: a later result without a timeout cancels the one in force.
func testTimeoutCancelled(c *tcase) {
	// Connection A sets a timeout and cancels it at once; connection B
	// serves as the clock: it sets a timeout twice as long, after A's was
	// set. When B's fires, A's would have fired if it were still in force.
	const ms = 250
	rec := newRecorder(probeOptions{})
	ln := c.listen()
	sa := c.newServer(ln, rec, c.config())
	refA := c.accept(sa)
	a := c.dial(ln.Addr())
	c.await(refA)
	sb := c.newServer(ln, rec, c.config())
	refB := c.accept(sb)
	b := c.dial(ln.Addr())
	c.await(refB)

	// One write, so that both lines usually arrive in one read and the
	// timeout is cancelled microseconds after it was set.
	if _, err := io.WriteString(a.conn, "timeout "+strconv.Itoa(ms)+"\nping\n"); err != nil {
		c.failf("writing: %v", err)
	}
	if !a.expect("ok", "S7") || !a.expect("echo: ping", "S7") {
		return
	}
	b.send("timeout " + strconv.Itoa(2*ms))
	if !b.expect("ok", "S7") || !b.expect("timeout "+strconv.Itoa(2*ms), "S7: the clock connection's timeout") {
		return
	}
	if n := rec.snapshot(a.id).timeouts; n != 0 {
		c.errorf("Info received Timeout although a later result without a timeout cancelled it")
	}
	a.roundTrip("ping2", "S7: no Timeout may arrive once cancelled")
	c.checkProbe(rec)
}

// S8: a close result closes the connection after sending what it carries;
// the server then terminates.
func testCloseAfterSend(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := c.listen()
	s := c.newServer(ln, rec, c.config())
	ref := c.accept(s)
	cl := c.dial(ln.Addr())
	c.await(ref)
	// The close command is followed by data the server never reads: the
	// reply must still arrive whole (on TCP, unread data can turn a close
	// into a reset that destroys the last bytes sent).
	junk := strings.Repeat("unread data\n", 4096)
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		_, _ = io.WriteString(cl.conn, "close\n"+junk)
	}()
	cl.expect("bye", "S8: a close result sends what it carries before closing")
	cl.expectClosed("S8: a close result closes the connection")
	cl.close()
	<-wrote
	if err := s.Wait(c.ctx); err != nil {
		c.errorf("the server did not terminate after a close result: %v", err)
	}
	cr, ok := c.waitDisconnect(rec, cl.id, "S8")
	if ok && cr.reason != nil {
		c.errorf("Disconnect reason %v after a close result, want nil", cr.reason)
	}
	c.checkProbe(rec)
}

// S9: when the connection ends, Disconnect runs exactly once, with the
// documented reason, and the server terminates.
func testDisconnectOnce(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := c.listen()
	type way struct {
		name   string
		end    func(s *core.Server, cl *client)
		reason func(error) bool
		want   string
	}
	ways := []way{
		{"the peer closes", func(_ *core.Server, cl *client) {
			cl.close()
		}, func(err error) bool { return errors.Is(err, io.EOF) }, "io.EOF"},
		{"the app closes", func(_ *core.Server, cl *client) {
			cl.send("close")
			cl.expect("bye", "S8")
			cl.expectClosed("S8")
			cl.close()
		}, func(err error) bool { return err == nil }, "nil"},
		{"Server.Close", func(s *core.Server, cl *client) {
			_ = s.Close()
			cl.expectClosed("S9: Server.Close closes the connection")
			cl.close()
		}, func(err error) bool { return errors.Is(err, core.ErrForcedClose) }, "ErrForcedClose"},
	}
	if !c.h.NoHalfClose {
		ways = append(ways, way{"the peer half-closes", func(_ *core.Server, cl *client) {
			cw, ok := cl.conn.(closeWriter)
			if !ok {
				c.errorf("Harness.NoHalfClose is false, but %T has no CloseWrite method", cl.conn)
				cl.close()
				return
			}
			cl.send("last")
			if err := cw.CloseWrite(); err != nil {
				c.errorf("CloseWrite: %v", err)
			}
			cl.expect("echo: last", "S9: a half-closed peer still receives replies")
			cl.expectClosed("S9: the server closes after the peer half-closed")
			cl.close()
		}, func(err error) bool { return errors.Is(err, io.EOF) }, "io.EOF"})
	}
	for _, w := range ways {
		s := c.newServer(ln, rec, c.config())
		ref := c.accept(s)
		cl := c.dial(ln.Addr())
		c.await(ref)
		cl.roundTrip("ping", "S9")
		w.end(s, cl)
		if err := s.Wait(c.ctx); err != nil {
			c.errorf("%s: the server did not terminate: %v", w.name, err)
			continue
		}
		// The server has ended: no callback can run any more.
		cr := rec.snapshot(cl.id)
		if cr.disconnects != 1 {
			c.errorf("%s: Disconnect ran %d times, want exactly once", w.name, cr.disconnects)
			continue
		}
		if !w.reason(cr.reason) {
			c.errorf("%s: Disconnect reason %v, want %s", w.name, cr.reason, w.want)
		}
	}
	c.checkProbe(rec)
}

// S10: once a server's connection is closed, by either side, its goroutines
// have exited, and waiting on it returns.
func testTerminateOnClose(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := c.listen()
	for _, side := range []string{"client", "server"} {
		base := runtime.NumGoroutine()
		s := c.newServer(ln, rec, c.config())
		ref := c.accept(s)
		cl := c.dial(ln.Addr())
		c.await(ref)
		cl.roundTrip("ping", "S10")
		if side == "client" {
			cl.close()
		} else {
			cl.send("close")
			cl.expect("bye", "S8")
			cl.expectClosed("S8")
			cl.close()
		}
		if err := s.Wait(c.ctx); err != nil {
			c.errorf("the %s closed the connection, but waiting on the server returned %v", side, err)
			continue
		}
		select {
		case <-s.Done():
		default:
			c.errorf("Wait returned but Done is not closed")
		}
		if err := safeSend(s, infoMsg(1)); err == nil {
			c.errorf("Send to a terminated server returned nil")
		}
		if n, ok := waitGoroutines(base, time.Until(c.deadline())); !ok {
			c.errorf("the %s closed the connection and the server ended, but %d goroutine(s) run, %d before the server started; goroutines:\n%s",
				side, n, base, allStacks())
			return
		}
	}
	c.checkProbe(rec)
}

// S11: state belongs to one connection.
func testStateIsolated(c *tcase) {
	rec := newRecorder(probeOptions{})
	ln := c.listen()
	var cls []*client
	for range 2 {
		s := c.newServer(ln, rec, c.config())
		ref := c.accept(s)
		cls = append(cls, c.dial(ln.Addr()))
		c.await(ref)
	}
	if cls[0].id == cls[1].id {
		c.failf("two connections got the same handler (id %d)", cls[0].id)
	}
	var wg sync.WaitGroup
	for i, cl := range cls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 30 {
				v := fmt.Sprintf("c%d-%d", i, j)
				if !cl.send("set "+v) || !cl.expect("ok", "S11") ||
					!cl.send("get") || !cl.expect("state "+v, "S11: a connection sees only its own state") {
					return
				}
			}
		}()
	}
	wg.Wait()
	c.checkProbe(rec)
}

// S12: a panic in any callback ends that connection only, logged with its
// stack and counted, never the endpoint.
func testPanicIsolated(c *tcase) {
	rec := newRecorder(probeOptions{onConnect: func(id int) (core.Action, bool) {
		if id == 4 {
			panic("conformance probe: panic in Connect")
		}
		return core.Action{}, false
	}})
	ln := c.listen()
	cfg := c.config()
	cfg.Acceptors = 2
	e := c.start(ln, rec, cfg)
	survivor := c.dial(e.Addr()) // 1
	inPacket := c.dial(e.Addr()) // 2
	inInfo := c.dial(e.Addr())   // 3

	inPacket.send("panic")
	inPacket.expectClosed("S12: a panic in Packet ends its connection")
	if err := safeSend(inInfo.server(rec), panicMsg{}); err != nil {
		c.errorf("Send: %v", err)
	}
	inInfo.expectClosed("S12: a panic in Info ends its connection")
	inConnect := c.wrap(c.dialRaw(e.Addr())) // 4
	inConnect.id = 4
	inConnect.expectClosed("S12: a panic in Connect ends its connection")

	for _, cl := range []*client{inPacket, inInfo} {
		cr, ok := c.waitDisconnect(rec, cl.id, "S12")
		if ok && !errors.Is(cr.reason, core.ErrHandlerPanic) {
			c.errorf("conn %d: Disconnect reason %v after a panic, want ErrHandlerPanic", cl.id, cr.reason)
		}
	}
	survivor.roundTrip("ping", "S12: a panic in another connection must not affect this one")
	late := c.dial(e.Addr())
	late.roundTrip("ping", "S12: the endpoint serves new connections after panics")
	if !c.poll(func() bool { return e.Stats().Panicked == 3 }) {
		c.errorf("Stats.Panicked = %d after 3 panics", e.Stats().Panicked)
	}
	for _, where := range []string{"Packet", "Info", "Connect"} {
		found := false
		for _, r := range c.logs.records() {
			if strings.Contains(r, "panic in "+where) && strings.Contains(r, "probeHandler") {
				found = true
				break
			}
		}
		if !found {
			c.errorf("no log record holds the panic in %s with a stack through the handler; logged:\n%s",
				where, strings.Join(c.logs.records(), "\n"))
		}
	}
	c.checkProbe(rec)
}
