//go:build unix

package core_test

import (
	"io"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
)

// watcher is a probe whose Packet watches for the peer's hang-up and waits
// for the test to let it return.
type watcher struct {
	*probe
	srv     *core.Server
	watched chan func() // the watch's stop function, nil if none started
	hungUp  chan struct{}
	release chan struct{}
}

func newWatcher() *watcher {
	w := &watcher{
		probe:   newProbe(),
		watched: make(chan func(), 1),
		hungUp:  make(chan struct{}),
		release: make(chan struct{}),
	}
	w.connect = func(s *core.Server, _ core.ConnInfo) core.Action {
		w.srv = s
		return core.Continue()
	}
	return w
}

// watchAndWait is a Packet callback: it starts a watch, reports it, and
// returns once released, or once the peer hung up if untilHangup.
func (w *watcher) watchAndWait(untilHangup bool) func([]byte) core.Action {
	return func([]byte) core.Action {
		stop := w.srv.WatchHangup(func() { close(w.hungUp) })
		w.watched <- stop
		if stop == nil {
			return core.Continue()
		}
		defer stop()
		if untilHangup {
			select {
			case <-w.hungUp:
				return core.Continue()
			case <-time.After(wait):
				return core.Send([]byte("no hang-up\n"))
			}
		}
		<-w.release
		return core.Send([]byte("released\n"))
	}
}

func (w *watcher) stop(t *testing.T) func() {
	t.Helper()
	select {
	case stop := <-w.watched:
		return stop
	case <-time.After(wait):
		t.Fatal("Packet did not run")
		return nil
	}
}

func startWatcher(t *testing.T, w *watcher, cfg core.Config) (*core.Server, *client) {
	t.Helper()
	s, ln := serve(t, newProbeApp(func() *probe { return w.probe }), cfg)
	c := dial(t, ln.Addr())
	ref, _ := s.Accept(ctxWait(t))
	_, err := ref.Await(ctxWait(t))
	require.NoError(t, err)
	return s, c
}

// watching starts a server whose Packet watches for the peer's hang-up
// (see watchAndWait), sends it a byte, and returns once the watch runs,
// with a channel closed when the watch's goroutine has returned.
func watching(t *testing.T, untilHangup bool) (*watcher, *core.Server, *client, <-chan struct{}) {
	t.Helper()
	w := newWatcher()
	w.packet = w.watchAndWait(untilHangup)
	s, c := startWatcher(t, w, core.Config{})
	c.send("x")
	require.NotNil(t, w.stop(t), "WatchHangup = nil for a TCP socket with nothing buffered")
	return w, s, c, core.HangupWatchDone(s)
}

func TestWatchHangupPeerCloses(t *testing.T) {
	for _, half := range []bool{false, true} {
		name := "close"
		if half {
			name = "half-close"
		}
		t.Run(name, func(t *testing.T) {
			w, s, c, _ := watching(t, true)
			if half {
				_ = c.Conn.(interface{ CloseWrite() error }).CloseWrite()
			} else {
				_ = c.Close()
			}
			select {
			case <-w.hungUp:
			case <-time.After(wait):
				t.Fatal("the hang-up was not reported")
			}
			waitDone(t, s)
			require.ErrorIs(t, w.reason(t), io.EOF, "Disconnect reason")
		})
	}
}

func TestWatchHangupInputEndsWatch(t *testing.T) {
	w, _, c, done := watching(t, false)
	c.send("more")
	_ = c.Conn.(interface{ CloseWrite() error }).CloseWrite()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("input did not end the watch")
	}
	select {
	case <-w.hungUp:
		t.Fatal("input followed by a hang-up was reported as a hang-up")
	default:
	}
	// The server carries on: it reads the input the watch left.
	w.packet = func(data []byte) core.Action { return core.Send(data) }
	close(w.release)
	require.Equal(t, "released\nmore", c.readN(len("released\nmore")))
}

func TestWatchHangupSurvivesSend(t *testing.T) {
	w, s, c, done := watching(t, true)
	w.info = func(msg any) core.Action { return core.Send([]byte(msg.(string))) }
	// Send wakes the server's reads with a past deadline, which also
	// wakes the watch; it must wait on.
	for range 3 {
		require.NoError(t, s.Send("msg\n"))
	}
	select {
	case <-done:
		t.Fatal("a Send ended the watch")
	case <-w.hungUp:
		t.Fatal("a Send was reported as a hang-up")
	default:
	}
	_ = c.Conn.(interface{ CloseWrite() error }).CloseWrite()
	select {
	case <-w.hungUp:
	case <-time.After(wait):
		t.Fatal("the hang-up after Sends was not reported")
	}
	// The messages reach Info once Packet returns, before the EOF ends
	// the connection.
	c.eof("msg\nmsg\nmsg\n")
}

func TestWatchHangupStop(t *testing.T) {
	w, s, c, done := watching(t, false)
	close(w.release) // Packet stops the watch and returns
	require.Equal(t, "released", c.line())
	select {
	case <-done:
	default:
		t.Fatal("the watch's goroutine runs on after stop returned")
	}
	require.Nil(t, core.HangupWatchDone(s), "the server still has the watch")
	// The server serves on, its timeout armed again after the watch's
	// past deadline.
	w.packet = func(data []byte) core.Action { return core.Send(data).WithTimeout(20 * time.Millisecond) }
	w.info = closeOnTimeout
	c.send("echo\n")
	c.eof("echo\ntimeout\n")
}

func TestWatchHangupEndedByServer(t *testing.T) {
	// A watch that the callback does not stop ends before the server
	// reads again (here: before it closes the connection).
	w := newWatcher()
	w.packet = func([]byte) core.Action {
		w.watched <- w.srv.WatchHangup(func() { close(w.hungUp) })
		return core.Close()
	}
	s, c := startWatcher(t, w, core.Config{})
	c.send("x")
	require.NotNil(t, w.stop(t), "WatchHangup = nil")
	c.eof("")
	waitDone(t, s)
	require.Nil(t, core.HangupWatchDone(s), "the ended server still has the watch")
}

func TestWatchHangupUnavailable(t *testing.T) {
	t.Run("input buffered", func(t *testing.T) {
		w := newWatcher()
		w.packet = w.watchAndWait(false)
		_, c := startWatcher(t, w, core.Config{Framer: core.Lines(0)})
		c.send("a\nb\n") // b waits while Packet runs for a
		stop := w.stop(t)
		close(w.release) // b's Packet, which may watch, returns
		require.Nil(t, stop, "WatchHangup started a watch with input buffered")
	})
	t.Run("one at a time", func(t *testing.T) {
		w := newWatcher()
		second := make(chan func(), 1)
		w.packet = func([]byte) core.Action {
			stop := w.srv.WatchHangup(func() {})
			second <- w.srv.WatchHangup(func() {})
			stop()
			return core.Send([]byte("ok\n"))
		}
		_, c := startWatcher(t, w, core.Config{})
		c.send("x")
		require.Equal(t, "ok", c.line())
		require.Nil(t, <-second, "a second watch started while the first ran")
	})
	t.Run("no connection", func(t *testing.T) {
		ln := listenTCP(t)
		t.Cleanup(func() { _ = ln.Close() })
		s := core.NewServer(ln, newProbeApp(newProbe), core.Config{})
		require.Nil(t, s.WatchHangup(func() {}), "WatchHangup started a watch without a connection")
	})
}
