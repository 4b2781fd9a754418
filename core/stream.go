package core

import (
	"errors"
	"os"
	"time"
)

// Errors of the direct-access methods.
var (
	// ErrDetached is the reason Disconnect receives after the handler
	// took the connection with Detach.
	ErrDetached = errors.New("ace: connection detached by the handler")

	// ErrNoConnection is returned by Read, Write and Detach when the
	// server has no live connection.
	ErrNoConnection = errors.New("ace: no live connection")
)

// The methods in this file give a handler direct access to its connection,
// for protocols whose handlers pull rather than being pushed to: an HTTP
// request body read by a net/http Handler, a response streamed with Flush, a
// connection hijacked for WebSocket. They must be called only from a callback
// of the server's own handler, on the server's goroutine; they never hand work
// to another goroutine.
//
// Messages sent to the server while a callback reads or writes directly wait
// in the mailbox until the callback returns, as always (rule S6).

// Read reads from the connection: first the bytes the server has read but the
// framer has not delivered yet, then from the socket. It honours the deadline
// set with SetReadDeadline, which lasts until the callback returns.
func (s *Server) Read(p []byte) (int, error) {
	if !s.serving || s.isDetached() {
		return 0, ErrNoConnection
	}
	s.streamed = true
	s.stopHangupWatch()
	if s.r < s.w {
		n := copy(p, (*s.rb)[s.r:s.w])
		s.r += n
		return n, nil
	}
	if len(p) == 0 {
		return 0, nil
	}
	conn := s.conn
	// The read deadline also wakes the server for messages; restore the
	// callback's own deadline before each read, and retry a wake-up that
	// is not the callback's deadline expiring.
	for {
		_ = conn.SetReadDeadline(s.appRDL)
		n, err := conn.Read(p)
		if n > 0 {
			s.bytesIn.Add(uint64(n))
		}
		if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) &&
			(s.appRDL.IsZero() || time.Now().Before(s.appRDL)) && s.forcedErr() == nil {
			continue
		}
		if err != nil {
			err = s.readErr(err)
		}
		return n, err
	}
}

// SetReadDeadline sets the deadline for Read until the current callback
// returns; the zero time means none.
func (s *Server) SetReadDeadline(t time.Time) error {
	if !s.serving {
		return ErrNoConnection
	}
	s.streamed = true
	s.appRDL = t
	return nil
}

// Write writes p to the connection at once, bounded by the write timeout
// (Config.WriteTimeout, or SetWriteTimeout's) or the deadline set with
// SetWriteDeadline.
func (s *Server) Write(p []byte) (int, error) {
	if !s.serving || s.isDetached() {
		return 0, ErrNoConnection
	}
	return s.writeBytes(s.conn, p) // one of the write paths: see write.go
}

// SetWriteDeadline sets the deadline of the connection's writes, in place
// of Config.WriteTimeout until SetWriteTimeout is called; the zero time
// means none.
func (s *Server) SetWriteDeadline(t time.Time) error {
	if !s.serving {
		return ErrNoConnection
	}
	s.wb.armed = fixedDeadline
	return s.conn.SetWriteDeadline(t)
}

// Detach hands the connection to the handler, as http.Hijacker does: the
// server neither reads, writes nor closes it again. It returns the
// connection and a copy of the bytes the server had read but not yet
// delivered. When the callback returns, the server ends: Disconnect runs with
// ErrDetached and the endpoint counts the connection closed. The caller owns
// the connection and must close it.
func (s *Server) Detach() (Conn, []byte, error) {
	if !s.serving {
		return nil, nil, ErrNoConnection
	}
	s.stopHangupWatch()
	s.mu.Lock()
	if s.detached || s.state != stateConnected {
		s.mu.Unlock()
		return nil, nil, ErrNoConnection
	}
	s.detached = true
	s.state = stateClosing
	conn := s.conn
	s.mu.Unlock()
	s.streamed = true
	var rest []byte
	if s.r < s.w {
		rest = append(rest, (*s.rb)[s.r:s.w]...)
	}
	s.r, s.w = 0, 0
	_ = conn.SetDeadline(time.Time{})
	return conn, rest, nil
}

// ShuttingDown reports whether the endpoint has asked this server to shut
// down (rule E4), even before the handler has seen the [Shutdown] message:
// a handler in the middle of a request can use it to finish and close, for
// example by answering with "Connection: close".
func (s *Server) ShuttingDown() bool { return s.shuttingDown.Load() }

// isDetached reports whether the handler detached the connection. It runs
// on the server's goroutine, which is the only one that sets detached (in
// Detach, like every method gated by serving), so it reads it without mu,
// which guards it for the other goroutines.
func (s *Server) isDetached() bool { return s.detached }
