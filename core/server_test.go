package core_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
)

func TestServerProvisionedIdle(t *testing.T) { // S1
	app := newProbeApp(nil)
	s, ln := serve(t, app, core.Config{})
	if err := s.Send("hi"); !errors.Is(err, core.ErrNotConnected) {
		t.Fatalf("Send before accept = %v, want ErrNotConnected", err)
	}
	select {
	case <-s.Done():
		t.Fatal("idle server ended")
	default:
	}
	c := dial(t, ln.Addr())
	if _, err := s.Accept(ctxWait(t)); err != nil {
		t.Fatal(err)
	}
	p := app.next(t)
	if e := p.event(t); e != "connect" {
		t.Fatalf("first event %q", e)
	}
	c.send("x")
	if got := c.readN(1); got != "x" {
		t.Fatalf("echo %q", got)
	}
}

func TestServerSecondAcceptFails(t *testing.T) { // S2, S3
	app := newProbeApp(nil)
	s, ln := serve(t, app, core.Config{})
	ref, err := s.Accept(ctxWait(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctxWait(t)); !errors.Is(err, core.ErrAlreadyAccepted) {
		t.Fatalf("second Accept = %v, want ErrAlreadyAccepted", err)
	}
	c := dial(t, ln.Addr())
	info, err := ref.Await(ctxWait(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.RemoteAddr.String() != c.LocalAddr().String() || info.LocalAddr.String() != c.RemoteAddr().String() {
		t.Fatalf("info %v <- %v, client %v -> %v", info.LocalAddr, info.RemoteAddr, c.LocalAddr(), c.RemoteAddr())
	}
	if info.Transport != "test" {
		t.Fatalf("transport %q", info.Transport)
	}
	c.send("ok")
	if got := c.readN(2); got != "ok" {
		t.Fatalf("echo %q", got)
	}
}

func TestServerConnectSendsFirst(t *testing.T) { // S4
	p := newProbe()
	p.connect = func(*core.Server, core.ConnInfo) core.Action {
		return core.Send([]byte("hello "), []byte("world\n"))
	}
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	c := dial(t, ln.Addr())
	c.send("early\n") // sent before the greeting is read: still after it
	if _, err := s.Accept(ctxWait(t)); err != nil {
		t.Fatal(err)
	}
	if got := c.line(); got != "hello world" {
		t.Fatalf("first line %q", got)
	}
	if got := c.line(); got != "early" {
		t.Fatalf("echo %q", got)
	}
}

func TestServerConnectClose(t *testing.T) { // S4, S8
	p := newProbe()
	p.connect = func(*core.Server, core.ConnInfo) core.Action { return core.Close() }
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	c := dial(t, ln.Addr())
	if _, err := s.Accept(ctxWait(t)); err != nil {
		t.Fatal(err)
	}
	c.eof("")
	if err := p.reason(t); err != nil {
		t.Fatalf("Disconnect reason %v, want nil", err)
	}
	waitDone(t, s)
}

func TestServerBackpressure(t *testing.T) { // S5
	release := make(chan struct{})
	p := newProbe()
	p.packet = func([]byte) core.Action {
		<-release
		return core.Continue()
	}
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	c := dial(t, ln.Addr())
	if _, err := s.Accept(ctxWait(t)); err != nil {
		t.Fatal(err)
	}
	c.send("first")
	if e := p.event(t); e != "connect" {
		t.Fatal(e)
	}
	if e := p.event(t); !strings.HasPrefix(e, "packet:") {
		t.Fatal(e)
	}
	// The packet callback is blocked, so the server must read nothing
	// more: the socket buffers fill up and the client's write stalls.
	in := s.BytesIn()
	_ = c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
	chunk := make([]byte, 1<<20)
	var err error
	for i := 0; i < 256 && err == nil; i++ {
		_, err = c.Write(chunk)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("client write did not stall: %v", err)
	}
	if got := s.BytesIn(); got != in {
		t.Fatalf("server read %d bytes while its packet callback was blocked", got-in)
	}
	close(release)
}

func TestServerInfoInOrder(t *testing.T) { // S6
	const n = 200
	got := make(chan int, n)
	p := newProbe()
	p.info = func(msg any) core.Action {
		got <- msg.(int)
		return core.Continue()
	}
	p.packet = func(data []byte) core.Action { return core.Send(data) }
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	c := dial(t, ln.Addr())
	ref, _ := s.Accept(ctxWait(t))
	if _, err := ref.Await(ctxWait(t)); err != nil {
		t.Fatal(err)
	}
	// Messages and packets interleave; probe panics on concurrent calls.
	done := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if err := s.Send(i); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < 50; i++ {
		c.send("p")
		c.readN(1)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		select {
		case v := <-got:
			if v != i {
				t.Fatalf("message %d arrived as #%d", v, i)
			}
		case <-time.After(wait):
			t.Fatalf("message %d not delivered", i)
		}
	}
}

// TestServerInfoBeforeLaterInput checks that a message sent to a server
// reaches Info before input that its peer sent after the message was
// sent: the handler sees them in causal order, even when the read that
// the message interrupts returns that input instead. Each round sends a
// message, then a line; the server answers each with a line of its own.
func TestServerInfoBeforeLaterInput(t *testing.T) { // S6
	p := newProbe()
	p.info = func(msg any) core.Action { return core.Send([]byte(fmt.Sprintf("info %d\n", msg))) }
	p.packet = func(line []byte) core.Action { return core.Send([]byte("packet "), line, []byte("\n")) }
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{Framer: core.Lines(0)})
	c := dial(t, ln.Addr())
	ref, _ := s.Accept(ctxWait(t))
	if _, err := ref.Await(ctxWait(t)); err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		if err := s.Send(i); err != nil {
			t.Fatal(err)
		}
		c.send(fmt.Sprintf("%d\n", i))
		want := []string{fmt.Sprintf("info %d", i), fmt.Sprintf("packet %d", i)}
		if got := []string{c.line(), c.line()}; !slices.Equal(got, want) {
			t.Fatalf("round %d: the server answered %q, want %q", i, got, want)
		}
	}
}

func TestServerSendAfterClose(t *testing.T) { // S6
	p := newProbe()
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	c := dial(t, ln.Addr())
	ref, _ := s.Accept(ctxWait(t))
	if _, err := ref.Await(ctxWait(t)); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	waitDone(t, s)
	if err := s.Send("late"); !errors.Is(err, core.ErrServerClosed) || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Send after end = %v", err)
	}
}

func TestServerTimeout(t *testing.T) { // S7
	p := newProbe()
	p.connect = func(*core.Server, core.ConnInfo) core.Action {
		return core.Continue().WithTimeout(20 * time.Millisecond)
	}
	p.info = closeOnTimeout
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	c := dial(t, ln.Addr())
	_, _ = s.Accept(ctxWait(t))
	c.eof("timeout\n")
	p.event(t) // connect
	if e := p.event(t); e != "info:{20ms}" {
		t.Fatalf("event %q, want the timeout", e)
	}
}

func TestServerTimeoutCancelled(t *testing.T) { // S7
	p := newProbe()
	p.connect = func(*core.Server, core.ConnInfo) core.Action {
		return core.Continue().WithTimeout(30 * time.Millisecond)
	}
	p.packet = func(data []byte) core.Action { return core.Send(data) } // no timeout: cancels
	p.info = func(msg any) core.Action {
		if _, ok := msg.(core.Timeout); ok {
			return core.Send([]byte("T"))
		}
		return core.Send([]byte("M")).WithTimeout(30 * time.Millisecond)
	}
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	c := dial(t, ln.Addr())
	_, _ = s.Accept(ctxWait(t))
	c.send("x")
	if got := c.readN(1); got != "x" {
		t.Fatal(got)
	}
	// Past the first timeout, nothing may have arrived: the packet
	// result cancelled it. A message then arms a new one, which fires.
	_ = c.SetReadDeadline(time.Now().Add(120 * time.Millisecond))
	if n, err := c.r.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %d bytes (%v) after a cancelled timeout", n, err)
	}
	if err := s.Send("m"); err != nil {
		t.Fatal(err)
	}
	if got := c.readN(2); got != "MT" {
		t.Fatalf("got %q, want message then timeout", got)
	}
}

// TestServerTimeoutRenewed renews a timeout with every packet, for longer
// than the timeout: it must fire only once the packets stop, a full timeout
// after the last one, however the server arms its socket's deadline.
func TestServerTimeoutRenewed(t *testing.T) { // S7
	const timeout = 150 * time.Millisecond
	p := newProbe()
	p.connect = func(*core.Server, core.ConnInfo) core.Action { return core.Continue().WithTimeout(timeout) }
	p.packet = func(data []byte) core.Action { return core.Send(data).WithTimeout(timeout) }
	p.info = closeOnTimeout
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	c := dial(t, ln.Addr())
	_, _ = s.Accept(ctxWait(t))
	last := c.echoPaced(8, timeout/3) // 350ms, more than twice the timeout
	c.eof("timeout\n")
	if since := time.Since(last); since < timeout {
		t.Fatalf("the timeout fired %v after the last packet, before its %v", since, timeout)
	}
	p.event(t) // connect
	for i := range 8 {
		if e := p.event(t); e != "packet:x" {
			t.Fatalf("event %d: %q, want a packet", i+1, e)
		}
	}
	if e := p.event(t); e != "info:{150ms}" {
		t.Fatalf("event %q, want the timeout", e)
	}
}

// TestServerTimeoutKept keeps a timeout with every packet, for longer than
// the timeout: it must fire once, a timeout after it was set, while the
// packets still arrive, neither restarted by them nor cancelled.
func TestServerTimeoutKept(t *testing.T) { // S7
	const timeout = 150 * time.Millisecond
	p := newProbe()
	p.connect = func(*core.Server, core.ConnInfo) core.Action { return core.Continue().WithTimeout(timeout) }
	p.packet = func(data []byte) core.Action { return core.Send(data).KeepTimeout() }
	p.info = func(any) core.Action { return core.Continue().KeepTimeout() } // none in force: sets none
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	c := dial(t, ln.Addr())
	_, _ = s.Accept(ctxWait(t))
	c.echoPaced(8, timeout/3) // 350ms, more than twice the timeout
	_ = c.Close()
	if err := p.reason(t); !errors.Is(err, io.EOF) {
		t.Fatalf("reason %v, want io.EOF", err)
	}
	p.event(t) // connect
	packets, fired := 0, -1
	for range 9 {
		switch e := p.event(t); e {
		case "packet:x":
			packets++
		case "info:{150ms}":
			fired = packets
		default:
			t.Fatalf("event %q", e)
		}
	}
	if fired < 0 || fired == 8 {
		t.Fatalf("the timeout fired after %d of 8 packets (-1: never); kept, it fires while they arrive", fired)
	}
	select {
	case e := <-p.events:
		t.Fatalf("event %q after the timeout and the packets", e)
	default:
	}
}

func TestServerDisconnectOnce(t *testing.T) { // S9, S10
	p := newProbe()
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	base := runtime.NumGoroutine()
	c := dial(t, ln.Addr())
	ref, _ := s.Accept(ctxWait(t))
	if _, err := ref.Await(ctxWait(t)); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	if err := p.reason(t); !errors.Is(err, io.EOF) {
		t.Fatalf("reason %v, want io.EOF", err)
	}
	waitDone(t, s)
	select {
	case err := <-p.disconnect:
		t.Fatalf("Disconnect ran twice (%v)", err)
	default:
	}
	if err := s.Wait(ctxWait(t)); err != nil {
		t.Fatalf("Wait = %v", err)
	}
	eventually(t, "the server's goroutine to exit", func() bool { return runtime.NumGoroutine() <= base })
}

func TestServerCloseWhileAccepting(t *testing.T) {
	s, _ := serve(t, newProbeApp(nil), core.Config{})
	ref, err := s.Accept(ctxWait(t))
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if _, err := ref.Await(ctxWait(t)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await after Close = %v", err)
	}
	waitDone(t, s)
	if _, err := s.Accept(ctxWait(t)); !errors.Is(err, core.ErrAlreadyAccepted) {
		t.Fatalf("Accept after end = %v", err)
	}
}

func TestServerListenerClosed(t *testing.T) {
	s, ln := serve(t, newProbeApp(nil), core.Config{})
	ref, _ := s.Accept(ctxWait(t))
	_ = ln.Close()
	if _, err := ref.Await(ctxWait(t)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Await = %v, want net.ErrClosed", err)
	}
}

func TestServerForceClose(t *testing.T) {
	p := newProbe()
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	dial(t, ln.Addr())
	ref, _ := s.Accept(ctxWait(t))
	if _, err := ref.Await(ctxWait(t)); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if err := p.reason(t); !errors.Is(err, core.ErrForcedClose) {
		t.Fatalf("reason %v, want ErrForcedClose", err)
	}
	waitDone(t, s)
}

func TestServerPanicIsolated(t *testing.T) { // S12
	p := newProbe()
	p.packet = func(data []byte) core.Action {
		if string(data) == "boom" {
			panic("boom")
		}
		return core.Send(data)
	}
	app := newProbeApp(func() *probe { return p })
	e := core.Start(listenTCP(t), app, core.Config{Acceptors: 2, Logger: discard()})
	t.Cleanup(func() { _ = e.Close() })
	c1 := dial(t, e.Addr())
	app.next(t)
	c1.send("boom")
	c1.eof("")
	if err := p.reason(t); !errors.Is(err, core.ErrHandlerPanic) {
		t.Fatalf("reason %v, want ErrHandlerPanic", err)
	}
	eventually(t, "panicked count", func() bool { return e.Stats().Panicked == 1 })
	c2 := dial(t, e.Addr())
	c2.send("fine")
	if got := c2.readN(4); got != "fine" {
		t.Fatal(got)
	}
}

func TestServerLines(t *testing.T) {
	p := newProbe()
	p.packet = func(data []byte) core.Action {
		return core.Send([]byte("<"), data, []byte(">\n"))
	}
	p.info = func(msg any) core.Action {
		if fe, ok := msg.(core.FrameError); ok && errors.Is(fe, core.ErrLineTooLong) {
			return core.Send([]byte("too long\n"))
		}
		return core.Continue()
	}
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{Framer: core.Lines(8), ReadBufferSize: 4})
	c := dial(t, ln.Addr())
	_, _ = s.Accept(ctxWait(t))
	c.send("ab\r\ncd")
	c.send("efgh\n")
	if got := c.line(); got != "<ab>" {
		t.Fatal(got)
	}
	if got := c.line(); got != "<cdefgh>" {
		t.Fatal(got)
	}
	c.send(strings.Repeat("x", 20))
	c.eof("too long\n")
	waitDone(t, s)
}

func TestServerStateIsolated(t *testing.T) { // S11
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return &countHandler{} })
	e := core.Start(listenTCP(t), app, core.Config{Acceptors: 2})
	t.Cleanup(func() { _ = e.Close() })
	c1, c2 := dial(t, e.Addr()), dial(t, e.Addr())
	for i := 1; i <= 3; i++ {
		c1.send("x")
		if got := c1.line(); got != fmt.Sprint(i) {
			t.Fatalf("c1 count %s, want %d", got, i)
		}
	}
	c2.send("x")
	if got := c2.line(); got != "1" {
		t.Fatalf("c2 count %s, want 1", got)
	}
}

type countHandler struct {
	core.BaseHandler
	n   int
	buf []byte
}

func (h *countHandler) Packet(data []byte) core.Action {
	h.n += len(data)
	h.buf = fmt.Appendf(h.buf[:0], "%d\n", h.n)
	return core.Send(h.buf)
}

func TestServerMailboxFull(t *testing.T) { // S6: Send never blocks
	release := make(chan struct{})
	p := newProbe()
	p.packet = func([]byte) core.Action {
		<-release
		return core.Continue()
	}
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{MailboxSize: 2})
	c := dial(t, ln.Addr())
	if _, err := s.Accept(ctxWait(t)); err != nil {
		t.Fatal(err)
	}
	c.send("x")
	p.event(t) // connect
	p.event(t) // the packet callback is now blocked: nothing drains the mailbox
	for i := 0; i < 2; i++ {
		if err := s.Send(i); err != nil {
			t.Fatalf("Send #%d = %v", i, err)
		}
	}
	if err := s.Send(2); !errors.Is(err, core.ErrMailboxFull) {
		t.Fatalf("Send past MailboxSize = %v, want ErrMailboxFull", err)
	}
	close(release)
	for i := 0; i < 2; i++ {
		if e := p.event(t); e != fmt.Sprintf("info:%d", i) {
			t.Fatalf("event %q, want message %d", e, i)
		}
	}
	if err := s.Send(3); err != nil {
		t.Fatalf("Send once drained = %v", err)
	}
}
