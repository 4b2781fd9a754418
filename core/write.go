package core

import (
	"fmt"
	"time"
)

// Three paths write to the connection, since how a write may wait differs:
//
//   - write carries out a callback's action on a goroutine, bounded by the
//     write timeout (armWrite). Its single slice goes through writeBytes,
//     as Server.Write's do; several go out in one vectored write.
//   - writeOnLoop (eventloop.go) carries it out on an event loop, which
//     must never wait: it writes what the socket takes at once, straight
//     to the descriptor, and leaves the rest to the connection's own
//     goroutine (sess.pend, flushPending).
//   - Server.Write (stream.go) writes for a callback that streams, at
//     once, through writeBytes, and reports how much it wrote.

// write sends what a carries, with one vectored write when it has several
// slices. See above for the other paths.
func (s *Server) write(conn Conn, a *Action) error {
	if a.n == 0 {
		return nil
	}
	if s.hib.onLoop {
		return s.writeOnLoop(a)
	}
	if a.n == 1 && len(a.extra) == 0 {
		_, err := s.writeBytes(conn, a.bufs[0])
		return err
	}
	s.armWrite(conn)
	s.vec = a.AppendTo(s.vec[:0])
	s.out = s.vec
	n, err := s.out.WriteTo(conn)
	clear(s.vec)
	s.sent(n)
	if err != nil {
		return s.readErr(fmt.Errorf("ace: write: %w", err))
	}
	return nil
}

// writeBytes writes p to conn, bounded by the write timeout or deadline,
// counts what it wrote and reports it, with the error that stopped it.
func (s *Server) writeBytes(conn Conn, p []byte) (int, error) {
	s.armWrite(conn)
	n, err := s.writeOne(conn, p)
	s.sent(int64(n))
	if err != nil {
		return n, s.readErr(fmt.Errorf("ace: write: %w", err))
	}
	return n, nil
}

// nowWriter is implemented by connections that can write without waiting:
// those that read through a RawReader.
type nowWriter interface {
	WriteNow(p []byte) (int, error)
}

// writeOne writes p to conn: first as much as the socket takes at once,
// through its RawReader, which costs less than the connection's Write, then
// the rest, if any, through Write, which waits, bounded by the write
// deadline. A deadline set with SetWriteDeadline may have passed already,
// and only Write honours it, so it alone writes then.
func (s *Server) writeOne(conn Conn, p []byte) (int, error) {
	w, ok := conn.(nowWriter)
	if !ok || s.wb.armed == fixedDeadline {
		return conn.Write(p)
	}
	n, err := w.WriteNow(p)
	if err != nil || n == len(p) {
		return n, err
	}
	m, err := conn.Write(p[n:])
	return n + m, err
}

// closeWriter is implemented by connections that can half-close.
type closeWriter interface{ CloseWrite() error }

// closeConn closes conn once. With graceful set, it first half-closes the
// connection and waits up to Config.Linger for the peer to close its side, so
// that data the server has not read does not turn the close into a reset
// that destroys the last bytes sent.
func (s *Server) closeConn(conn Conn, graceful bool) {
	s.stopHangupWatch()
	s.mu.Lock()
	if s.state == stateClosing {
		s.mu.Unlock()
		return
	}
	s.state = stateClosing
	forced := s.forced != nil
	s.mu.Unlock()
	if graceful && !forced && s.cfg.Linger > 0 {
		if cw, ok := conn.(closeWriter); ok && cw.CloseWrite() == nil {
			_ = conn.SetReadDeadline(time.Now().Add(s.cfg.Linger))
			var scratch [512]byte
			for {
				if _, err := conn.Read(scratch[:]); err != nil {
					break
				}
			}
		}
	}
	_ = conn.Close()
}

// closeGracefully closes the connection after a close action or a frame
// error: at once on the server's goroutine, at the end on a goroutine of its
// own when an event loop serves it, since lingering waits for the peer.
func (s *Server) closeGracefully() {
	if s.hib.onLoop {
		s.sess.linger = true
		return
	}
	s.closeConn(s.conn, true)
}
