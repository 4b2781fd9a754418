package core

import (
	"errors"
	"fmt"
	"io"
)

// Event loops (Config.EventLoop) carry hibernation to its limit: a server on
// a loop parks its socket in the loop's epoll set at every wait for input,
// not only after a second of silence, and the loop serves a socket that has
// input itself, on its own goroutine, rather than starting one for it. The
// goroutine of the server that accepted the connection ends at its first
// wait; from then on, as long as the peer sends and reads promptly, every
// packet is read, framed, handed to the handler and answered by the loop,
// with no goroutine switch.
//
// A parked server woken by something other than input (a message from Send
// or the endpoint, the action's timeout, Close) is queued for its loop
// (eventLoop.enqueue), which serves it like input (serveWoken).
//
// The loop must never wait on one connection, so whatever may wait is handed
// to a goroutine of the connection's own (resume), which gives the
// connection back to the loop at its next wait for input:
//   - a write the socket cannot take at once (what is left is copied to
//     sess.pend, and the goroutine sends it before anything else);
//   - the end of the connection, and the lingering close of a close action
//     (sess.linger);
//   - a socket that cannot be parked (sess.offLoop).
//
// A server that runs on a goroutine when input comes is kicked by the loop
// (hibernation.kick), so that it reads before it parks again: the socket is
// edge-triggered, and its event does not come twice.
//
// A callback on a loop runs like any other: one at a time per connection,
// with nothing read meanwhile (rule S5). Only what it must not do differs:
// block, since its loop serves other connections.

// errWouldBlock is what a loop's attempt at a read or a write reports when
// the socket is not ready.
var errWouldBlock = errors.New("ace: socket not ready")

// wakeup is what an event loop's turn serves: a server whose socket has
// input, with hup when its event says the peer hung up, or one woken for
// something else (woken).
type wakeup struct {
	s          *Server
	hup, woken bool
}

// wakeOnLoop is how an event loop wakes a server whose socket has new
// input: a parked server is served on the loop's goroutine; one that is not
// is kicked, so that it reads before it parks again, since the socket's
// edge-triggered event will not come again for that input.
func (s *Server) wakeOnLoop(lp *eventLoop, w wakeup) {
	hb := &s.hib
	hb.kick.Store(true)
	for {
		switch hb.state.Load() {
		case hibAsleep:
			if hb.state.CompareAndSwap(hibAsleep, hibRunning) {
				hb.kick.Store(false)
				s.serveOnLoop(lp, w)
				return
			}
		case hibParking:
			if hb.state.CompareAndSwap(hibParking, hibWoken) {
				return
			}
		default:
			// Running or woken: whoever serves it reads the input.
			return
		}
	}
}

// serveOnLoop serves the connection on its event loop's goroutine until it
// would wait for input, and parks it in the loop again; or until it must do
// something that may wait, and hands it to a goroutine of its own.
//
// A server woken for something other than input (a message, the timeout,
// Close: w.woken) reads only if input kicked it meanwhile, and only it can
// owe a Timeout: one that is served for input resets its timeout or, at its
// next park, arms its timer again, which wakes it if the timeout is due.
//
// With w.hup, the event reported the peer's hang-up: then a short read does
// not prove the socket drained, since the end of the input may be waiting
// behind it, and the loop reads on until it finds nothing or the end.
//
// How it differs from Server.loop, the goroutine's, is told there.
func (s *Server) serveOnLoop(lp *eventLoop, w wakeup) {
	x, hb := &s.sess, &s.hib
	if t := hb.timer; t != nil {
		t.Stop()
	}
	h := x.h
	s.serving, hb.onLoop = true, true
	drained := w.woken // the last read found the socket's queue empty
	if w.woken && x.deadline != 0 && monoNow() >= x.deadline {
		s.timedOut(h)
	}
	for !x.over && x.pend == nil {
		if s.nmsg.Load() != 0 {
			s.doMsgs(h) // the loop's condition says whether to go on
			continue
		}
		if drained {
			// Wait for more in the loop, holding the buffer only
			// for a partial frame.
			drained = false
			if s.r == s.w {
				s.r, s.w = 0, 0
				lp.reclaim(s.rb)
				s.rb = nil
			}
			if s.hibernate() {
				return
			}
			if x.offLoop {
				break
			}
			continue
		}
		if s.rb == nil {
			s.rb = lp.lend()
		}
		s.stopHangupWatch()
		buf := s.room()
		n, err := readSocket(uintptr(hb.fd), buf)
		atEOF := false
		switch {
		case err == nil:
			s.received(n)
			drained = n < len(buf) && !w.hup
		case errors.Is(err, errWouldBlock):
			drained = true
			continue
		case errors.Is(err, io.EOF):
			atEOF = true
		default:
			x.reason, x.over = s.readErr(err), true
			continue
		}
		// Messages sent before this input was read go first, as on a
		// goroutine (see Server.loop); what they leave to write, and the
		// input, the goroutine then takes over (see flushPending).
		if s.nmsg.Load() != 0 && s.doMsgs(h) {
			continue
		}
		s.handleInput(h, atEOF)
	}
	hb.onLoop, s.serving = false, false
	// The rest may wait: it is the connection's own goroutine's to do.
	go s.resume()
}

// room returns the free end of the read buffer, growing the buffer first
// when a frame fills it.
func (s *Server) room() []byte {
	if buf := *s.rb; s.w == len(buf) {
		// The framer needs a longer frame than the buffer holds.
		nbp := getBuf(2 * len(buf))
		s.w = copy(*nbp, buf[s.r:s.w])
		s.r = 0
		putBuf(s.rb)
		s.rb = nbp
	}
	return (*s.rb)[s.w:]
}

// writeOnLoop writes what a carries without waiting, on an event loop's
// goroutine. What the socket cannot take at once is copied to sess.pend,
// for the goroutine the connection is then handed to. It is one of the
// write paths: see write.go.
func (s *Server) writeOnLoop(a *Action) error {
	s.vec = a.AppendTo(s.vec[:0])
	n, err := s.hib.loop.writeBufs(s.hib.fd, s.vec)
	s.sent(int64(n))
	if errors.Is(err, errWouldBlock) {
		// The write advanced through s.vec; a still holds it all.
		rest := make([]byte, 0, a.Len()-n)
		for _, b := range a.AppendTo(nil) {
			skip := min(n, len(b))
			n -= skip
			rest = append(rest, b[skip:]...)
		}
		s.sess.pend = &rest
		err = nil
	}
	clear(s.vec)
	if err != nil {
		return s.readErr(fmt.Errorf("ace: write: %w", err))
	}
	return nil
}

// flushPending sends, on the connection's own goroutine, what a write on its
// event loop left over, and then the frames still buffered behind it.
func (s *Server) flushPending() {
	x := &s.sess
	p := x.pend
	x.pend = nil
	s.armWrite(s.conn)
	n, err := s.conn.Write(*p)
	s.sent(int64(n))
	if err != nil {
		if !x.over {
			x.reason, x.over = s.readErr(fmt.Errorf("ace: write: %w", err)), true
		}
		return
	}
	if !x.over {
		s.serving = true
		s.deliver(x.h, false)
		s.serving = false
	}
}
