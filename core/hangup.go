package core

import (
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// hangupWatch is a watch that WatchHangup started: a goroutine waiting for
// the socket to become readable. A server keeps one and reuses it for its
// watches, one at a time, so that a watch costs few allocations: its
// goroutine, its done channel.
type hangupWatch struct {
	s       *Server
	stopped atomic.Bool   // the server ended the watch
	done    chan struct{} // closed when the goroutine has returned

	// What the goroutine works with, set before it starts.
	conn   Conn
	rc     syscall.RawConn
	opaque bool
	f      func()

	// The state of one peek (see peekStep), and the step bound once.
	gone bool
	buf  [1]byte
	step func(fd uintptr) bool

	stopFn func() // w.stop, bound once
}

// WatchHangup arranges for f to run, once, on a goroutine of its own, if the
// peer closes or resets the connection while a callback is busy with
// something other than reading it: a net/http Handler waiting on a slow
// query, say, whose request should be cancelled when its client gives up.
// It returns a function that ends the watch and waits until it has ended,
// f included if it runs; or nil, watching nothing, if the connection cannot
// be watched. A socket read through a [RawReader] can be; so can, on Linux,
// a TCP socket under a connection whose bytes are not the socket's, which
// gives it with a NetConn method (TLS, as transports/tls does; not QUIC).
// Either only while the server holds no input it has not delivered: input
// shows the peer is still there.
//
// The watch ends when the peer sends more input (f does not run then: the
// peer is still there), when f has run, when stop is called, and at the
// latest before the server reads the connection again (its next read, a
// callback's Read, Detach) or closes it. Under TLS, whose records the
// watch cannot read, input does not end it: f runs once the peer's TCP
// stream has ended, after whatever records it sent first (its close_notify
// alert, mostly). At most one watch runs at a time: WatchHangup returns nil
// while the last one has not been ended by stop or by the server.
//
// WatchHangup may be called from any goroutine, but only while a callback of
// the server runs and nothing reads the connection until the watch has
// ended. stop must be called from a callback, on the server's goroutine,
// and not while holding a lock that f takes; it ends the watch that runs
// then, so it must not be kept for later ones. A peer that only half-closes
// the connection after its input, as some clients do, counts as hung up, as
// net/http counts it.
func (s *Server) WatchHangup(f func()) (stop func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateConnected || s.detached || s.hang.Load() != nil || s.r < s.w {
		return nil
	}
	rc, opaque := hangupSocket(s.conn)
	if rc == nil {
		return nil
	}
	w := s.hangW
	if w == nil {
		w = &hangupWatch{s: s}
		w.step, w.stopFn = w.peekStep, w.stop
		s.hangW = w
	}
	// The last watch has ended: its goroutine has returned, since only
	// endHangupWatch, which waits for it, clears s.hang.
	w.stopped.Store(false)
	w.done = make(chan struct{})
	w.conn, w.rc, w.opaque, w.f = s.conn, rc, opaque, f
	s.hang.Store(w)
	go w.run()
	return w.stopFn
}

// stop ends the watch, if it runs.
func (w *hangupWatch) stop() { w.s.endHangupWatch(w) }

// hangupSocket returns the socket under conn that a hang-up watch can
// watch, or nil, and whether conn's bytes are not the socket's (TLS
// records), so that input on the socket says nothing of the peer's
// intent.
func hangupSocket(conn Conn) (rc syscall.RawConn, opaque bool) {
	if !canPeek {
		return nil, false
	}
	if sock, ok := conn.(socket); ok {
		return sock.RawConn(), false
	}
	if !canSeeEnd {
		return nil, false
	}
	nc, ok := conn.(interface{ NetConn() net.Conn })
	if !ok {
		return nil, false
	}
	if sock, ok := nc.NetConn().(interface{ RawConn() syscall.RawConn }); ok {
		return sock.RawConn(), true
	}
	return nil, false
}

// stopHangupWatch ends the watch that runs, if any. It is called on the
// server's goroutine before every read and before the connection closes.
func (s *Server) stopHangupWatch() {
	if w := s.hang.Load(); w != nil {
		s.endHangupWatch(w)
	}
}

// endHangupWatch ends w, if it is still the server's watch, and waits for
// its goroutine. It wakes the goroutine with a read deadline in the past, so
// the server's own deadline is set again before its next read.
func (s *Server) endHangupWatch(w *hangupWatch) {
	if !s.hang.CompareAndSwap(w, nil) {
		return
	}
	w.stopped.Store(true)
	_ = s.conn.SetReadDeadline(aLongTimeAgo)
	<-w.done
	s.sess.setDL = true
}

// run waits until the socket is readable and runs f if what it finds there
// is the peer's hang-up.
func (w *hangupWatch) run() {
	conn, f := w.conn, w.f
	defer func() {
		w.conn, w.rc, w.f = nil, nil, nil // hold on to nothing between watches
		close(w.done)
	}()
	for {
		w.gone = false
		err := w.rc.Read(w.step)
		switch {
		case err == nil:
			if w.gone && !w.stopped.Load() {
				f()
			}
			return
		case errors.Is(err, os.ErrDeadlineExceeded) && !w.stopped.Load():
			// Send wakes the server's reads with a deadline in the
			// past, and the server's goroutine is busy in a callback,
			// which will find the message when it returns: wait on,
			// without the deadline. Stopping sets the flag before the
			// deadline, so a stop whose deadline this overwrote is
			// seen below.
			_ = conn.SetReadDeadline(time.Time{})
			if w.stopped.Load() {
				return
			}
		default:
			return // stopped, or the connection was closed
		}
	}
}
