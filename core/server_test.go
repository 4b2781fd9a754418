package core_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
)

func TestServerProvisionedIdle(t *testing.T) { // S1
	app := newProbeApp(nil)
	s, ln := serve(t, app, core.Config{})
	require.ErrorIs(t, s.Send("hi"), core.ErrNotConnected, "Send before accept")
	select {
	case <-s.Done():
		t.Fatal("idle server ended")
	default:
	}
	c := dial(t, ln.Addr())
	_, err := s.Accept(ctxWait(t))
	require.NoError(t, err)
	p := app.next(t)
	require.Equal(t, "connect", p.event(t), "first event")
	c.send("x")
	require.Equal(t, "x", c.readN(1), "echo")
}

func TestServerSecondAcceptFails(t *testing.T) { // S2, S3
	app := newProbeApp(nil)
	s, ln := serve(t, app, core.Config{})
	ref, err := s.Accept(ctxWait(t))
	require.NoError(t, err)
	_, err = s.Accept(ctxWait(t))
	require.ErrorIs(t, err, core.ErrAlreadyAccepted, "second Accept")
	c := dial(t, ln.Addr())
	info, err := ref.Await(ctxWait(t))
	require.NoError(t, err)
	if info.RemoteAddr.String() != c.LocalAddr().String() || info.LocalAddr.String() != c.RemoteAddr().String() {
		t.Fatalf("info %v <- %v, client %v -> %v", info.LocalAddr, info.RemoteAddr, c.LocalAddr(), c.RemoteAddr())
	}
	require.Equal(t, "test", info.Transport)
	c.send("ok")
	require.Equal(t, "ok", c.readN(2), "echo")
}

func TestServerConnectSendsFirst(t *testing.T) { // S4
	p := newProbe()
	p.connect = func(*core.Server, core.ConnInfo) core.Action {
		return core.Send([]byte("hello "), []byte("world\n"))
	}
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	c := dial(t, ln.Addr())
	c.send("early\n") // sent before the greeting is read: still after it
	_, err := s.Accept(ctxWait(t))
	require.NoError(t, err)
	require.Equal(t, "hello world", c.line(), "first line")
	require.Equal(t, "early", c.line(), "echo")
}

func TestServerConnectClose(t *testing.T) { // S4, S8
	p := newProbe()
	p.connect = func(*core.Server, core.ConnInfo) core.Action { return core.Close() }
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	c := dial(t, ln.Addr())
	_, err := s.Accept(ctxWait(t))
	require.NoError(t, err)
	c.eof("")
	require.NoError(t, p.reason(t), "Disconnect reason")
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
	_, err := s.Accept(ctxWait(t))
	require.NoError(t, err)
	c.send("first")
	require.Equal(t, "connect", p.event(t))
	if e := p.event(t); !strings.HasPrefix(e, "packet:") {
		t.Fatal(e)
	}
	// The packet callback is blocked, so the server must read nothing
	// more: the socket buffers fill up and the client's write stalls.
	in := s.BytesIn()
	_ = c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
	chunk := make([]byte, 1<<20)
	for i := 0; i < 256 && err == nil; i++ {
		_, err = c.Write(chunk)
	}
	require.ErrorIs(t, err, os.ErrDeadlineExceeded, "client write did not stall")
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
	_, err := ref.Await(ctxWait(t))
	require.NoError(t, err)
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
	require.NoError(t, <-done)
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
	_, err := ref.Await(ctxWait(t))
	require.NoError(t, err)
	for i := range 500 {
		require.NoError(t, s.Send(i))
		c.send(fmt.Sprintf("%d\n", i))
		want := []string{fmt.Sprintf("info %d", i), fmt.Sprintf("packet %d", i)}
		require.Equal(t, want, []string{c.line(), c.line()}, "round %d", i)
	}
}

func TestServerSendAfterClose(t *testing.T) { // S6
	p := newProbe()
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	c := dial(t, ln.Addr())
	ref, _ := s.Accept(ctxWait(t))
	_, err := ref.Await(ctxWait(t))
	require.NoError(t, err)
	_ = c.Close()
	waitDone(t, s)
	err = s.Send("late")
	require.ErrorIs(t, err, core.ErrServerClosed, "Send after end")
	require.ErrorIs(t, err, net.ErrClosed, "Send after end")
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
	require.Equal(t, "info:{20ms}", p.event(t), "event")
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
	require.Equal(t, "x", c.readN(1))
	// Past the first timeout, nothing may have arrived: the packet
	// result cancelled it. A message then arms a new one, which fires.
	_ = c.SetReadDeadline(time.Now().Add(120 * time.Millisecond))
	if n, err := c.r.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %d bytes (%v) after a cancelled timeout", n, err)
	}
	require.NoError(t, s.Send("m"))
	require.Equal(t, "MT", c.readN(2))
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
		require.Equal(t, "packet:x", p.event(t), "event %d", i+1)
	}
	require.Equal(t, "info:{150ms}", p.event(t), "event")
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
	require.ErrorIs(t, p.reason(t), io.EOF, "reason")
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
	_, err := ref.Await(ctxWait(t))
	require.NoError(t, err)
	_ = c.Close()
	require.ErrorIs(t, p.reason(t), io.EOF, "reason")
	waitDone(t, s)
	select {
	case err := <-p.disconnect:
		t.Fatalf("Disconnect ran twice (%v)", err)
	default:
	}
	require.NoError(t, s.Wait(ctxWait(t)), "Wait")
	// The condition runs on a goroutine of its own: one more than base.
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= base+1 }, wait, tick, "the server's goroutine to exit")
}

func TestServerCloseWhileAccepting(t *testing.T) {
	s, _ := serve(t, newProbeApp(nil), core.Config{})
	ref, err := s.Accept(ctxWait(t))
	require.NoError(t, err)
	_ = s.Close()
	_, err = ref.Await(ctxWait(t))
	require.ErrorIs(t, err, context.Canceled, "Await after Close")
	waitDone(t, s)
	_, err = s.Accept(ctxWait(t))
	require.ErrorIs(t, err, core.ErrAlreadyAccepted, "Accept after end")
}

func TestServerListenerClosed(t *testing.T) {
	s, ln := serve(t, newProbeApp(nil), core.Config{})
	ref, _ := s.Accept(ctxWait(t))
	_ = ln.Close()
	_, err := ref.Await(ctxWait(t))
	require.ErrorIs(t, err, net.ErrClosed, "Await")
}

func TestServerForceClose(t *testing.T) {
	p := newProbe()
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{})
	dial(t, ln.Addr())
	ref, _ := s.Accept(ctxWait(t))
	_, err := ref.Await(ctxWait(t))
	require.NoError(t, err)
	_ = s.Close()
	require.ErrorIs(t, p.reason(t), core.ErrForcedClose, "reason")
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
	require.ErrorIs(t, p.reason(t), core.ErrHandlerPanic, "reason")
	require.Eventually(t, func() bool { return e.Stats().Panicked == 1 }, wait, tick, "panicked count")
	c2 := dial(t, e.Addr())
	c2.send("fine")
	require.Equal(t, "fine", c2.readN(4))
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
	require.Equal(t, "<ab>", c.line())
	require.Equal(t, "<cdefgh>", c.line())
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
		require.Equal(t, fmt.Sprint(i), c1.line(), "c1 count")
	}
	c2.send("x")
	require.Equal(t, "1", c2.line(), "c2 count")
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
	_, err := s.Accept(ctxWait(t))
	require.NoError(t, err)
	c.send("x")
	p.event(t) // connect
	p.event(t) // the packet callback is now blocked: nothing drains the mailbox
	for i := 0; i < 2; i++ {
		require.NoError(t, s.Send(i), "Send #%d", i)
	}
	require.ErrorIs(t, s.Send(2), core.ErrMailboxFull, "Send past MailboxSize")
	close(release)
	for i := 0; i < 2; i++ {
		require.Equal(t, fmt.Sprintf("info:%d", i), p.event(t), "event")
	}
	require.NoError(t, s.Send(3), "Send once drained")
}
