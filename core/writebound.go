package core

import "time"

// writeBound is how a server bounds the writes to its connection: a timeout
// for each write (Config.WriteTimeout, or the connection's own from
// Server.SetWriteTimeout), or a fixed deadline from Server.SetWriteDeadline.
//
// Moving a socket's deadline costs a clock reading and a timer update, and a
// connection that writes often would pay them for every write. So the
// deadline of a timeout is moved only once an eighth of the timeout has
// passed: a write may get up to an eighth less than the timeout, never
// more. The read side has its own laziness, in Server.do.
type writeBound struct {
	timeout time.Duration // for each write; 0 for none
	// armed is the deadline the socket has, on the monotonic clock
	// (monoNow): 0 for none, fixedDeadline when it was set with
	// SetWriteDeadline.
	armed int64
}

// fixedDeadline marks a write deadline that SetWriteDeadline set: writes
// leave it alone.
const fixedDeadline = -1

// SetWriteTimeout bounds each later write to the connection by d from its
// start, in place of Config.WriteTimeout for this connection; 0 or negative
// means no bound. It ends a deadline set with SetWriteDeadline. Like
// Config.WriteTimeout, it lets a write have up to an eighth less than d,
// since the deadline is moved only once an eighth of d has passed.
func (s *Server) SetWriteTimeout(d time.Duration) error {
	if !s.serving {
		return ErrNoConnection
	}
	wb := &s.wb
	wb.timeout = max(d, 0)
	if wb.armed != 0 && (wb.armed == fixedDeadline || wb.timeout == 0) {
		// Writes will not move that deadline: lift it now; the next
		// write sets its own.
		wb.armed = 0
		return s.conn.SetWriteDeadline(time.Time{})
	}
	return nil
}

// armWrite sets the write deadline for a write about to start on conn, if
// it has to move.
func (s *Server) armWrite(conn Conn) {
	wb := &s.wb
	if wb.timeout <= 0 || wb.armed == fixedDeadline {
		return
	}
	now := monoNow()
	if wb.armed > 0 && wb.armed-now >= int64(wb.timeout-wb.timeout/8) {
		return
	}
	wb.armed = now + int64(wb.timeout)
	_ = conn.SetWriteDeadline(monoTime(wb.armed))
}
