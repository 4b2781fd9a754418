package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ace-go/ace/core"
)

// spyListener wraps the harness's listener to watch what a server does with
// it: how often it calls Accept, and, when asked, how it reads from the
// connections it accepts. It can also make Accept fail, to check how a
// server and its governor handle accept errors (G2, E6).
type spyListener struct {
	core.Listener
	wrapConns bool // wrap accepted connections in spyConn

	calls atomic.Int64

	mu       sync.Mutex
	inject   []error     // returned by the next Accept calls, in order
	failedAt []time.Time // when each injected error was returned
	retryAt  []time.Time // when Accept was called again after each
	conns    []*spyConn
}

func (l *spyListener) Accept(ctx context.Context) (core.Conn, error) {
	l.calls.Add(1)
	now := time.Now()
	l.mu.Lock()
	if len(l.retryAt) < len(l.failedAt) {
		l.retryAt = append(l.retryAt, now)
	}
	if len(l.inject) > 0 {
		err := l.inject[0]
		l.inject = l.inject[1:]
		l.failedAt = append(l.failedAt, time.Now())
		l.mu.Unlock()
		return nil, err
	}
	l.mu.Unlock()
	conn, err := l.Listener.Accept(ctx)
	if err != nil || !l.wrapConns {
		return conn, err
	}
	wrapped, spy := wrapConn(conn)
	l.mu.Lock()
	l.conns = append(l.conns, spy)
	l.mu.Unlock()
	return wrapped, nil
}

// injected reports how many injected errors Accept returned, and the gaps
// between each and the next call of Accept.
func (l *spyListener) injected() (n int, gaps []time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, at := range l.retryAt {
		gaps = append(gaps, at.Sub(l.failedAt[i]))
	}
	return len(l.failedAt), gaps
}

// acceptError is a temporary accept error, like those net.Listener.Accept
// returns when the process is out of file descriptors or a client aborted
// its connection before it was accepted.
type acceptError struct{ errno syscall.Errno }

func (e acceptError) Error() string {
	return fmt.Sprintf("conformance: injected accept error: %v", e.errno)
}
func (e acceptError) Unwrap() error   { return e.errno }
func (e acceptError) Timeout() bool   { return false }
func (e acceptError) Temporary() bool { return true }

// errInjected is the non-temporary accept error G2 injects.
var errInjected = errors.New("conformance: injected accept failure")

// spyConn counts the reads of an accepted connection and notes whether one
// is in progress.
type spyConn struct {
	core.Conn
	reads  atomic.Int64
	inRead atomic.Int32
}

func (c *spyConn) Read(p []byte) (int, error) {
	c.inRead.Add(1)
	defer c.inRead.Add(-1)
	c.reads.Add(1)
	return c.Conn.Read(p)
}

type closeWriter interface{ CloseWrite() error }

// wrapConn wraps c in a spyConn that keeps the optional methods core looks
// for (HandshakeContext, CloseWrite), so that the server treats it as it
// would treat c.
func wrapConn(c core.Conn) (core.Conn, *spyConn) {
	s := &spyConn{Conn: c}
	hs, isHS := c.(core.Handshaker)
	cw, isCW := c.(closeWriter)
	switch {
	case isHS && isCW:
		return struct {
			*spyConn
			core.Handshaker
			closeWriter
		}{s, hs, cw}, s
	case isHS:
		return struct {
			*spyConn
			core.Handshaker
		}{s, hs}, s
	case isCW:
		return struct {
			*spyConn
			closeWriter
		}{s, cw}, s
	}
	return s, s
}

// holdListener hands over its first connection late: its Accept takes the
// connection from the listener, then waits until its context is done before
// returning it, as if the connection had arrived just before the
// cancellation. It recreates, every time, a race a real listener loses only
// sometimes: a server whose Accept returns a connection while its endpoint
// shuts down.
type holdListener struct {
	core.Listener
	holding chan struct{} // closed once the first connection is held
	once    sync.Once
}

func (l *holdListener) Accept(ctx context.Context) (core.Conn, error) {
	conn, err := l.Listener.Accept(ctx)
	if err != nil {
		return nil, err
	}
	held := false
	l.once.Do(func() { held = true })
	if held {
		close(l.holding)
		<-ctx.Done()
	}
	return conn, nil
}
