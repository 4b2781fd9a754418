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
// (hibernator.enqueue), which serves it like input (serveWoken).
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

// wakeOnLoop is how an event loop wakes a server whose socket has new
// input: a parked server is served on the loop's goroutine; one that is not
// is kicked, so that it reads before it parks again, since the socket's
// edge-triggered event will not come again for that input.
//
// hup says the event reported the peer's hang-up: then a short read does not
// prove the socket drained, since the end of the input may be waiting behind
// it, and the loop reads until it finds nothing or the end.
func (s *Server) wakeOnLoop(lp *hibernator, hup bool) {
	hb := &s.hib
	hb.kick.Store(true)
	for {
		switch hb.state.Load() {
		case hibAsleep:
			if hb.state.CompareAndSwap(hibAsleep, hibRunning) {
				hb.kick.Store(false)
				s.serveOnLoop(lp, hup)
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

// serveWoken serves, on its event loop's goroutine, a server that was woken
// from asleep for something other than input: a message, the timeout, or
// Close. Input that came meanwhile kicked it, so it reads only then.
func (s *Server) serveWoken(lp *hibernator) {
	s.hib.drained = true
	s.serveOnLoop(lp, false)
}

// serveOnLoop serves the connection on its event loop's goroutine until it
// would wait for input, and parks it in the loop again; or until it must do
// something that may wait, and hands it to a goroutine of its own.
func (s *Server) serveOnLoop(lp *hibernator, hup bool) {
	x, hb := &s.sess, &s.hib
	if t := hb.timer; t != nil {
		t.Stop()
	}
	h := x.h
	s.serving, hb.onLoop = true, true
	for !x.over && x.pend == nil {
		if msg, ok := s.nextMsg(); ok {
			s.do(s.callInfo(h, msg))
			continue
		}
		if x.deadline != 0 && monoNow() >= x.deadline {
			s.timedOut(h)
			continue
		}
		if hb.drained {
			// The last read emptied the socket's queue: wait for
			// more in the loop, holding the buffer only for a
			// partial frame.
			hb.drained = false
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
			s.rb = lp.lend(s.cfg.ReadBufferSize)
		}
		buf := s.room()
		n, err := readSocket(uintptr(hb.fd), buf)
		atEOF := false
		switch {
		case err == nil:
			s.received(n)
			hb.drained = n < len(buf) && !hup
		case errors.Is(err, errWouldBlock):
			hb.drained = true
			continue
		case errors.Is(err, io.EOF):
			atEOF = true
		default:
			x.reason, x.over = s.readErr(err), true
			continue
		}
		s.handleInput(h, atEOF)
	}
	hb.onLoop, hb.drained, s.serving = false, false, false
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
// for the goroutine the connection is then handed to.
func (s *Server) writeOnLoop(a *Action) error {
	s.vec = a.AppendTo(s.vec[:0])
	n, err := s.hib.w.writeBufs(s.hib.fd, s.vec)
	if n > 0 {
		s.bytesOut.Add(uint64(n))
		s.ctr.bytesOut.Add(uint64(n))
	}
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
	if n > 0 {
		s.bytesOut.Add(uint64(n))
		s.ctr.bytesOut.Add(uint64(n))
	}
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
