package core_test

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
)

// puller reads "n\n" lines, then pulls n bytes of body through Server.Read
// from inside Packet, as an HTTP server reads a request body, while other
// goroutines send it messages.
type puller struct {
	core.BaseHandler
	s    *core.Server
	msgs int
}

func (p *puller) Connect(s *core.Server, _ core.ConnInfo) core.Action {
	p.s = s
	return core.Continue()
}

func (p *puller) Packet(line []byte) core.Action {
	switch string(line) {
	case "detach":
		conn, rest, err := p.s.Detach()
		if err != nil {
			return core.Close([]byte(err.Error() + "\n"))
		}
		go func() {
			defer conn.Close()
			_, _ = conn.Write(append([]byte("detached:"), rest...))
			_, _ = io.Copy(conn, conn)
		}()
		return core.Continue()
	case "stall":
		_ = p.s.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_, err := p.s.Read(make([]byte, 1))
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return core.Close([]byte("no deadline\n"))
		}
		return core.Send([]byte("deadline\n"))
	}
	n, err := strconv.Atoi(string(line))
	if err != nil {
		return core.Close([]byte("bad\n"))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(p.s, body); err != nil {
		return core.Close([]byte(err.Error() + "\n"))
	}
	if _, err := p.s.Write([]byte("got " + strconv.Itoa(len(body)) + " ")); err != nil {
		return core.Close()
	}
	return core.Send(body[len(body)-3:], []byte("\n"))
}

func (p *puller) Info(msg any) core.Action {
	p.msgs++
	return core.Send([]byte("msg " + strconv.Itoa(p.msgs) + "\n"))
}

func TestServerReadWriteFromCallback(t *testing.T) {
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return &puller{} })
	s, ln := serve(t, app, core.Config{Framer: core.Lines(0)})
	c := dial(t, ln.Addr())
	_, err := s.Accept(ctxWait(t))
	require.NoError(t, err)
	// Part of the body arrives with the line, part later; messages are
	// sent meanwhile and must wait until the callback returns.
	body := strings.Repeat("x", 100000) + "END"
	c.send("100003\n" + body[:10])
	require.Eventually(t, func() bool { return s.BytesIn() > 0 }, wait, tick, "the server to read the line")
	for i := 0; i < 3; i++ {
		require.NoError(t, s.Send(i))
	}
	c.send(body[10:])
	require.Equal(t, "got 100003 END", c.line())
	for i := 1; i <= 3; i++ {
		require.Equal(t, "msg "+strconv.Itoa(i), c.line())
	}
	c.send("stall\n")
	require.Equal(t, "deadline", c.line())
	c.send("detach\nrest")
	require.Equal(t, "detached:rest", c.readN(13))
	waitDone(t, s)
	require.ErrorIs(t, s.Send("late"), core.ErrServerClosed, "Send after detach")
	c.send("still there")
	require.Equal(t, "still there", c.readN(11), "detached connection")
	_ = c.Close()
}

func TestServerShuttingDown(t *testing.T) {
	seen := make(chan bool, 1)
	release := make(chan struct{})
	var srv *core.Server
	p := newProbe()
	p.connect = func(s *core.Server, _ core.ConnInfo) core.Action {
		srv = s
		return core.Continue()
	}
	p.packet = func([]byte) core.Action {
		<-release
		seen <- srv.ShuttingDown()
		return core.Send([]byte("done\n"))
	}
	app := newProbeApp(func() *probe { return p })
	e, _ := start(t, app, core.Config{Acceptors: 1})
	c := dial(t, e.Addr())
	c.send("x")
	app.next(t)
	p.event(t)
	p.event(t) // the packet callback is running
	shut := make(chan error, 1)
	go func() { shut <- e.Shutdown(ctxWait(t)) }()
	require.Eventually(t, func() bool {
		select {
		case <-e.Draining():
			return true
		default:
			return false
		}
	}, wait, tick, "draining")
	require.Eventually(t, func() bool { return srv.ShuttingDown() }, wait, tick, "the notice")
	close(release)
	require.True(t, <-seen, "ShuttingDown during shutdown")
	c.eof("done\nbye\n")
	require.NoError(t, <-shut)
}

func TestServerContext(t *testing.T) {
	blocked := make(chan struct{})
	var srv *core.Server
	p := newProbe()
	p.connect = func(s *core.Server, _ core.ConnInfo) core.Action {
		srv = s
		return core.Continue()
	}
	p.packet = func([]byte) core.Action {
		ctx := srv.Context()
		close(blocked)
		<-ctx.Done() // a handler blocked on something other than the connection
		if !errors.Is(context.Cause(ctx), core.ErrForcedClose) {
			panic(context.Cause(ctx))
		}
		return core.Continue()
	}
	app := newProbeApp(func() *probe { return p })
	e, _ := start(t, app, core.Config{Acceptors: 1})
	c := dial(t, e.Addr())
	c.send("x")
	<-blocked
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, e.Shutdown(ctx), context.DeadlineExceeded, "Shutdown")
	require.ErrorIs(t, p.reason(t), core.ErrForcedClose, "reason")
	require.ErrorIs(t, context.Cause(srv.Context()), core.ErrForcedClose, "cause after end")
}
