package tlstransport

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// closeNotifyWait bounds how long Conn.Close waits for the socket to take the
// close_notify alert (and any bytes still pending before it). crypto/tls
// alone waits up to 5s, which a peer that stopped reading would cost every
// Close.
const closeNotifyWait = 100 * time.Millisecond

// rawConn is the connection crypto/tls writes its records to. It passes
// everything through to the inner connection, except that a write timeout
// never reaches crypto/tls.
//
// crypto/tls treats any write error as fatal: once a record is sealed its
// sequence number is spent, so a record cut short by a deadline cannot be
// sent again, and the connection is dead for writing. net.Conn's contract is
// kinder: a write that times out may be followed by more writes once the
// deadline is moved. To keep that contract, rawConn takes every record
// crypto/tls gives it: what the socket does not accept before the deadline
// is kept, in order, in pending, and the timeout is handed to [Conn.Write]
// (through timedOut) rather than to crypto/tls. Every later socket write
// first sends what is pending, so the stream stays whole.
//
// pending holds at most what one Conn.Write was given, plus record
// overhead: Conn.Write does not seal a new record while bytes are pending
// that the socket still refuses.
type rawConn struct {
	net.Conn

	mu       sync.Mutex // serialises socket writes; guards the fields below
	pending  []byte     // sealed bytes the socket has not taken yet
	timedOut error      // the timeout that left bytes pending, for Conn.Write

	closing atomic.Bool // Conn.Close has begun

	closeMu  sync.Mutex
	closed   bool  // Close was called
	closeErr error // what the inner Close returned the first time
}

// Write writes p, after anything pending. A timeout leaves the rest of p
// pending and is not reported here: see rawConn.
func (r *rawConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) > 0 {
		if err := r.flushLocked(); err != nil {
			if !isTimeout(err) {
				return 0, err
			}
			r.pending = append(r.pending, p...)
			r.timedOut = err
			return len(p), nil
		}
	}
	n, err := r.Conn.Write(p)
	if err != nil && isTimeout(err) {
		r.pending = append(r.pending, p[n:]...)
		r.timedOut = err
		return len(p), nil
	}
	return n, err
}

// SetWriteDeadline sets the inner connection's write deadline, except that
// once Conn.Close has begun it is never later than closeNotifyWait from now:
// crypto/tls sets one 5s away before it writes its close_notify alert.
func (r *rawConn) SetWriteDeadline(t time.Time) error {
	if r.closing.Load() {
		if limit := time.Now().Add(closeNotifyWait); t.IsZero() || t.After(limit) {
			t = limit
		}
	}
	return r.Conn.SetWriteDeadline(t)
}

// flush sends what is pending. It returns the socket's error, a timeout
// included, if some remains pending.
func (r *rawConn) flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) == 0 {
		return nil
	}
	return r.flushLocked()
}

func (r *rawConn) flushLocked() error {
	n, err := r.Conn.Write(r.pending)
	if err != nil {
		r.pending = r.pending[n:]
		return err
	}
	r.pending = nil
	return nil
}

// takeTimeout returns, and forgets, the timeout that left bytes pending since
// it was last called.
func (r *rawConn) takeTimeout() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.timedOut
	r.timedOut = nil
	return err
}

// Close closes the inner connection and remembers how the first Close went.
// It does not wait for a write in progress: closing is how one is
// interrupted.
func (r *rawConn) Close() error {
	r.closeMu.Lock()
	defer r.closeMu.Unlock()
	if r.closed {
		return r.Conn.Close()
	}
	r.closed = true
	r.closeErr = r.Conn.Close()
	return r.closeErr
}

// closedCleanly reports whether Close was called and the inner connection
// closed without error.
func (r *rawConn) closedCleanly() bool {
	r.closeMu.Lock()
	defer r.closeMu.Unlock()
	return r.closed && r.closeErr == nil
}

// isTimeout reports whether err is a deadline's timeout, after which the
// connection is still usable.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
