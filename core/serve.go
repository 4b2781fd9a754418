package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// run is the server's goroutine: accept, handshake, serve, release.
func (s *Server) run(ctx context.Context) {
	// take's frame is gone by the time serve waits on an idle connection,
	// so that the goroutine's stack can shrink back.
	conn, info := s.take(ctx)
	if conn == nil {
		return
	}
	if !s.open(&info) {
		s.finish(true, nil)
		return
	}
	s.serve()
}

// serve runs the serving loop until the connection ends, then ends the
// server; or until the server hibernates, leaving its goroutine to exit.
func (s *Server) serve() {
	if s.sess.pend != nil {
		s.flushPending()
	}
	if s.loop() {
		return
	}
	s.end()
	s.finish(true, nil)
}

// take accepts a connection, admits it and runs its handshake. It returns
// nil, having ended the server, when it got no connection to serve.
func (s *Server) take(ctx context.Context) (Conn, ConnInfo) {
	conn, err := s.ln.Accept(ctx)
	s.ctr.accepting.Add(-1)
	// Let go of the accept context at once: an idle connection should
	// hold nothing it no longer needs.
	s.mu.Lock()
	cancel := s.cancelAccept
	s.cancelAccept = nil
	s.mu.Unlock()
	cancel()
	if err != nil {
		s.finish(false, err)
		return nil, ConnInfo{}
	}
	s.ctr.accepted.Add(1)
	s.ctr.active.Add(1)
	s.mu.Lock()
	s.conn = conn
	s.state = stateHandshaking
	s.mu.Unlock()

	if s.hooks != nil && !s.hooks.accepted(s) {
		s.ctr.refused.Add(1)
		_ = conn.Close()
		s.endConn(nil)
		s.finish(true, nil)
		return nil, ConnInfo{}
	}
	if hs, ok := conn.(Handshaker); ok {
		hctx, cancel := context.Background(), context.CancelFunc(func() {})
		if d := s.cfg.HandshakeTimeout; d > 0 { // 0: no bound
			hctx, cancel = context.WithTimeout(hctx, d)
		}
		err := hs.HandshakeContext(hctx)
		cancel()
		if err != nil {
			s.log.Debug("ace: handshake failed", "remote", conn.RemoteAddr(), "err", err)
			_ = conn.Close()
			s.endConn(fmt.Errorf("ace: handshake: %w", err))
			s.finish(true, nil)
			return nil, ConnInfo{}
		}
	}
	info := conn.Info()
	s.ref.info = info
	var (
		p    *poller
		loop *eventLoop
	)
	sock, _ := conn.(socket)
	if sock != nil && s.hooks != nil && (s.cfg.HibernateAfter > 0 || s.cfg.EventLoop) {
		p, loop = s.hooks.poller()
	}
	s.mu.Lock()
	forced := s.forced
	if forced == nil {
		s.state = stateConnected
		if p != nil {
			s.hib.p, s.hib.rc, s.hib.loop = p, sock.RawConn(), loop
			if s.hib.rc == nil {
				s.hib.p, s.hib.loop = nil, nil
			}
		}
	}
	s.mu.Unlock()
	if forced != nil {
		_ = conn.Close()
		s.endConn(forced)
		s.finish(true, nil)
		return nil, ConnInfo{}
	}
	close(s.ref.ready)
	// Whoever awaits the reference holds it; the server needs it no more.
	s.ref = nil
	return conn, info
}

// endConn resolves the accept reference with err if it is still pending and
// counts the connection closed.
func (s *Server) endConn(err error) {
	s.mu.Lock()
	s.state = stateClosing
	s.mu.Unlock()
	if s.ref != nil {
		if err == nil {
			err = ErrServerClosed
		}
		s.ref.err = err
		close(s.ref.ready)
	}
	s.ctr.active.Add(-1)
	s.ctr.closed.Add(1)
}

// finish ends the server: it tells the endpoint, then closes Done.
func (s *Server) finish(hadConn bool, err error) {
	if !hadConn {
		s.ref.err = err
		close(s.ref.ready)
	}
	if s.hooks != nil {
		s.hooks.ended(s, hadConn, err)
	}
	s.mu.Lock()
	s.state = stateEnded
	s.conn = nil
	s.mbox = nil
	s.err = err
	if s.cancel != nil {
		s.cancel(ErrServerClosed)
	}
	s.mu.Unlock()
	close(s.done)
}

// session is the state of a connection being served, kept in the Server
// rather than on its goroutine's stack, so that the goroutine can end while
// the connection hibernates and another can carry on where it stopped. It is
// owned by whichever goroutine serves the connection.
//
// A connection is served in one of three modes: by a goroutine (the
// server's own, or one woken from hibernation), by no one while it
// hibernates, or by an event loop (see eventloop.go). Which mode holds is
// the server's hibernation's to say (Server.hib: its state, loop and
// onLoop), not the session's; the session's flags are grouped below by
// the modes they matter in.
type session struct {
	h    Handler
	lazy LazyReader // the connection, if it reads lazily

	// The timeout of the last action, and the read deadline that
	// enforces it, on the monotonic clock (monoNow); 0 for none.
	timeout  time.Duration
	deadline int64 // when it expires
	armed    int64 // the read deadline the socket has

	reason error // why the connection ended, once over

	// In every mode.
	setDL bool // the read deadline must be (re)set
	// How the connection ended: over is set once it has, and the others
	// say why reason is what it is.
	over     bool
	panicked bool // a callback panicked: reason is the panic
	detached bool // the handler detached the connection: reason is ErrDetached
	// On an event loop only: what its goroutine leaves to the
	// connection's own, and how it serves a kicked server.
	linger    bool // close gracefully at the end (left to a goroutine by an event loop)
	offLoop   bool // the socket could not be parked in its event loop: serve it on goroutines
	readFirst bool // the event loop kicked the server: read before parking again

	// pend holds what a write on an event loop could not send without
	// waiting; the goroutine the connection is handed to sends it first.
	pend *[]byte
}

// open makes the handler and runs its Connect callback. It reports false,
// having ended the connection, if there is no handler to serve it.
func (s *Server) open(info *ConnInfo) bool {
	x := &s.sess
	h, err := s.newHandler(*info)
	if err != nil {
		s.closeConn(s.conn, false)
		s.endConn(err)
		return false
	}
	x.h, x.setDL = h, true
	x.lazy, _ = s.conn.(LazyReader)
	s.serving = true
	s.do(s.callConnect(h, info))
	s.serving = false
	return true
}

// do carries out the action of the callback that just returned, or ends the
// connection with err, the callback's panic. It reports whether the
// connection ended.
func (s *Server) do(err error) bool {
	x := &s.sess
	a := &s.act
	if s.streamed {
		// The handler used the connection directly: its deadlines are
		// gone, and it may have detached the connection.
		s.streamed = false
		s.appRDL = time.Time{}
		x.setDL = true
		if s.isDetached() {
			x.reason, x.detached, x.over = ErrDetached, true, true
			return true
		}
	}
	if err != nil {
		x.reason, x.panicked, x.over = err, true, true
		return true
	}
	werr := s.write(s.conn, a)
	closes, next, keep := a.close, a.timeout, a.keep
	*a = Action{} // hold on to nothing the app sent
	if werr != nil {
		x.reason, x.over = werr, true
		return true
	}
	if closes {
		x.reason, x.over = nil, true
		s.closeGracefully()
		return true
	}
	if !keep && (next != x.timeout || next > 0) {
		x.timeout = next
		if next > 0 {
			x.deadline = monoNow() + int64(next)
		} else {
			x.deadline = 0
		}
		// A deadline that moves later is not set on the socket at
		// once: the one it has wakes the server early, which then sets
		// the new one. A connection that renews its timeout with every
		// packet thus updates its socket's timer about once per timeout
		// rather than once per packet.
		if x.armed == 0 || (x.deadline != 0 && x.deadline < x.armed) {
			x.setDL = true
		}
	}
	// What an event loop could not write is left to a goroutine, which
	// must send it before anything else happens.
	return x.pend != nil
}

// loop serves the connection until it ends, and reports false then; or
// until the server hibernates, and reports true: the goroutine must then
// return at once, touching nothing, since another may already carry on.
//
// Two loops serve connections, built alike: this one, on a goroutine, and
// Server.serveOnLoop, on an event loop's goroutine (eventloop.go). What a
// turn does with what it read is theirs in common (doMsgs, handleInput,
// deliver, do, timedOut); how they wait and read is not, and is why they
// are two:
//
//   - loop may wait. It blocks in the connection's Read, or ReadLazily
//     without a buffer, woken by the read deadline, which carries the
//     action's timeout and Send's wake-ups too (wakeConn); it hibernates
//     when the endpoint asks, and serves any Conn, TLS and QUIC included.
//   - serveOnLoop never waits, since its goroutine serves other
//     connections: it reads the socket's descriptor with read(2), into a
//     buffer its loop lends, until the socket would block (or, after a
//     hang-up event, until the end), then parks the socket in the loop
//     again; the loop, not a deadline, brings it messages and timeouts
//     (wakeup.woken). Whatever may wait, it hands to a goroutine (resume),
//     which carries on in loop.
//
// Merged, each packet would pay for the other's branches and indirections.
func (s *Server) loop() (hibernated bool) {
	x := &s.sess
	conn, h := s.conn, x.h
	s.serving = true
	get, put := s.lazyGet, s.releaseBuf
	for !x.over {
		s.stopHangupWatch() // if one runs; it asks for the deadline to be set
		if x.setDL {
			_ = conn.SetReadDeadline(monoTime(x.deadline))
			x.armed, x.setDL = x.deadline, false
		}
		// Messages first. The deadline was reset before the mailbox is
		// looked at, and it is reset again before the next look, so a
		// Send that wakes the read is never lost.
		if s.nmsg.Load() != 0 {
			if s.doMsgs(h) {
				break
			}
			continue
		}
		var (
			n     int
			err   error
			atEOF bool
		)
		if x.lazy != nil && s.r == s.w {
			// Nothing is pending: wait without a buffer, or without
			// a goroutine if the endpoint asked for that. The buffer
			// held, if any, serves the first attempt, which finds the
			// next input already there or gives the buffer back.
			s.r, s.w = 0, 0
			if s.hib.loop != nil && !x.offLoop && !x.readFirst {
				// Back to the event loop, unless the timeout is due.
				if x.deadline != 0 && monoNow() >= x.deadline {
					if s.timedOut(h) {
						continue
					}
				}
				s.releaseBuf()
				if s.hibernate() {
					return true
				}
				x.setDL = true
				continue
			}
			if s.hib.req.Load() {
				s.releaseBuf()
				s.hib.req.Store(false)
				if s.hibernate() {
					return true
				}
				x.setDL = true
				continue
			}
			x.readFirst = false
			n, err = x.lazy.ReadLazily(get, put)
		} else {
			if s.rb == nil {
				s.rb = getBuf(s.cfg.ReadBufferSize)
			}
			n, err = conn.Read(s.room())
		}
		s.received(n)
		if err != nil {
			switch {
			case errors.Is(err, os.ErrDeadlineExceeded):
				x.setDL = true
				if x.deadline != 0 && monoNow() >= x.deadline && s.timedOut(h) {
					continue
				}
			case errors.Is(err, io.EOF):
				atEOF = true
			default:
				x.reason, x.over = s.readErr(err), true
				continue
			}
		}
		// Messages waiting now were sent before this input was read,
		// maybe before the peer wrote it in answer to what they caused:
		// they go first, so that the handler sees them in causal order
		// (the read that returned the input may be the one a Send was
		// to interrupt).
		if s.nmsg.Load() != 0 && s.doMsgs(h) {
			break
		}
		s.handleInput(h, atEOF)
	}
	s.serving = false
	s.releaseBuf()
	return false
}

// doMsgs delivers the messages waiting, and reports, as Server.do does,
// whether the server must stop serving. After a message the read deadline
// is reset, since a Send moved it to wake the read.
func (s *Server) doMsgs(h Handler) bool {
	for {
		msg, ok := s.nextMsg()
		if !ok {
			return false
		}
		if s.do(s.callInfo(h, msg)) {
			return true
		}
		s.sess.setDL = true
	}
}

// received counts n bytes read into the buffer. Only the server's own
// counters move, which no other goroutine writes: the endpoint's totals
// add them up when asked (Endpoint.Stats) and when the server ends, so
// that no packet costs an atomic add on a cache line that every core's
// servers write.
func (s *Server) received(n int) {
	if n > 0 {
		s.w += n
		s.bytesIn.Add(uint64(n))
	}
}

// sent counts n bytes written; see received.
func (s *Server) sent(n int64) {
	if n > 0 {
		s.bytesOut.Add(uint64(n))
	}
}

// handleInput hands the frames read to the handler, and at the end of the
// input, when they are all delivered, ends the connection.
func (s *Server) handleInput(h Handler, atEOF bool) {
	if !s.deliver(h, atEOF) && atEOF {
		s.sess.reason, s.sess.over = io.EOF, true
		s.closeConn(s.conn, false)
	}
}

// timedOut delivers Timeout for the timeout that expired, and reports
// whether the connection ended.
func (s *Server) timedOut(h Handler) bool {
	x := &s.sess
	d := x.timeout
	x.deadline, x.timeout = 0, 0
	return s.do(s.callInfo(h, Timeout{After: d}))
}

// deliver hands every whole frame buffered to the handler, and reports
// whether the connection ended.
func (s *Server) deliver(h Handler, atEOF bool) bool {
	// A callback may consume buffered input itself through Server.Read, so
	// s.r and s.w are read afresh each time.
	for s.r < s.w || atEOF {
		var buf []byte
		if s.rb != nil {
			buf = *s.rb
		}
		frame, adv, ferr := s.cfg.Framer.Frame(buf[s.r:s.w], atEOF)
		if ferr != nil {
			s.do(s.callInfo(h, FrameError{Err: ferr}))
			if !s.sess.over {
				s.sess.reason, s.sess.over = ferr, true
				s.closeGracefully()
			}
			return true
		}
		if adv == 0 {
			break
		}
		s.r += adv
		if frame != nil && s.do(s.callPacket(h, frame)) {
			return true
		}
	}
	if s.r == s.w {
		s.r, s.w = 0, 0
	} else if buf := *s.rb; s.w == len(buf) && s.r > 0 {
		s.w = copy(buf, buf[s.r:s.w])
		s.r = 0
	}
	return false
}

// end closes the connection if the handler still has it, runs Disconnect and
// counts the connection closed.
func (s *Server) end() {
	x := &s.sess
	if x.linger {
		x.linger = false
		s.closeConn(s.conn, true)
	}
	if x.reason != nil && !x.panicked && !x.detached {
		if f := s.forcedErr(); f != nil {
			x.reason = f
		}
	}
	s.forget()
	if !x.detached {
		s.closeConn(s.conn, false)
	}
	s.callDisconnect(x.h, x.reason, x.panicked)
	s.endConn(x.reason)
	x.h, x.lazy = nil, nil
}

// lazyGet is the get function of LazyReader.ReadLazily.
func (s *Server) lazyGet() []byte {
	if s.rb == nil {
		s.rb = getBuf(s.cfg.ReadBufferSize)
	}
	return *s.rb
}

// releaseBuf gives the read buffer back to the pool.
func (s *Server) releaseBuf() {
	if s.rb != nil {
		putBuf(s.rb)
		s.rb = nil
	}
}

func (s *Server) forcedErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forced
}

func (s *Server) readErr(err error) error {
	if f := s.forcedErr(); f != nil {
		return f
	}
	return err
}
