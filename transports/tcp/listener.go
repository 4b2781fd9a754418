package tcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/ace-go/ace/core"
)

// aLongTimeAgo is a deadline in the past: setting it on the listening socket
// makes every pending and future accept fail at once with
// os.ErrDeadlineExceeded, without taking a connection.
var aLongTimeAgo = time.Unix(1, 0)

// socketListener is what Listener needs of package net's listeners; both
// *net.TCPListener and *net.UnixListener have it.
type socketListener interface {
	net.Listener
	SetDeadline(t time.Time) error
}

// Listener is a TCP or Unix domain socket listener. It implements
// [core.Listener]: Accept takes a context, may be called from many goroutines
// at once, and returns an error wrapping net.ErrClosed after Close, which is
// idempotent (rule T1).
//
// # How Accept honours its context
//
// Package net's Accept cannot be interrupted for one caller only, and ace
// keeps many callers blocked in it, one per governor, without a goroutine
// more per call. So Accept registers, with context.AfterFunc, a kick that
// sets a deadline in the past on the listening socket. That wakes every
// blocked caller with a timeout, and makes every accept fail at once until
// the deadline is cleared, so no connection is taken meanwhile: new clients
// wait in the kernel's backlog. The canceled caller returns ctx.Err(). The
// others, whose contexts are live, wait until every canceled caller has
// left; the last one to leave clears the deadline and lets them accept
// again. A short pause for every acceptor per cancellation is the price, and
// cancellations are rare: an endpoint cancels an accept when it lowers its
// connection limit or closes a server that waits in accept.
type Listener struct {
	ln    socketListener
	nagle bool // clear TCP_NODELAY on accepted TCP connections

	mu      sync.Mutex
	kicking int           // kicks that set the past deadline, whose callers have not left
	calm    chan struct{} // closed while kicking is zero

	closeOnce sync.Once
	closeErr  error
}

var _ core.Listener = (*Listener)(nil)

// calmed is the calm channel of a listener with no kick pending.
var calmed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

func newListener(ln socketListener, nagle bool) *Listener {
	return &Listener{ln: ln, nagle: nagle, calm: calmed}
}

// Addr returns the address the listener is bound to: a *net.TCPAddr, with
// the port the system chose if it was asked for port 0, or a *net.UnixAddr.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close closes the listener. Accept calls blocked on it, and later ones,
// return an error that wraps net.ErrClosed. Connections already accepted stay
// open. For a Unix socket, Close removes the socket file (an abstract
// socket has none). Close is idempotent: later calls return what the first
// returned.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		if err := l.ln.Close(); err != nil {
			l.closeErr = fmt.Errorf("tcp: %w", err)
		}
	})
	return l.closeErr
}

// Accept waits for and returns the next connection: a [*Conn] for TCP, a
// [*UnixConn] for a Unix socket.
//
// It is safe to call from many goroutines at once. When ctx is done first,
// Accept returns ctx.Err() promptly, and the other callers carry on (see
// [Listener]); but a connection that was accepted as ctx was canceled is
// returned all the same, never dropped. After Close, Accept returns an error
// that wraps net.ErrClosed.
//
// Accept does not retry failures. Temporary ones, such as running out of
// file descriptors (EMFILE, ENFILE) or kernel memory (ENOBUFS, ENOMEM), are
// returned wrapped, for the caller to retry after a pause: an ace endpoint
// does so with backoff (rule E6). Package net itself retries ECONNABORTED, a
// client that gave up before it was accepted.
func (l *Listener) Accept(ctx context.Context) (core.Conn, error) {
	for {
		if err := l.waitCalm(ctx); err != nil {
			return nil, err
		}
		c, again, err := l.acceptOnce(ctx)
		if !again {
			return c, err
		}
	}
}

// waitCalm waits until no kick is pending, or ctx is done.
func (l *Listener) waitCalm(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	calm := l.calm
	l.mu.Unlock()
	select {
	case <-calm:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// acceptOnce makes one accept on the socket, watching ctx. It reports again
// when another caller's cancellation interrupted it, so that Accept waits
// for calm and tries again.
func (l *Listener) acceptOnce(ctx context.Context) (c core.Conn, again bool, err error) {
	var (
		call *acceptCall
		stop func() bool
	)
	if ctx.Done() != nil {
		call = &acceptCall{l: l}
		stop = context.AfterFunc(ctx, call.kick)
	}
	nc, err := l.ln.Accept()
	canceled := stop != nil && !stop()
	if canceled {
		call.leave()
	}
	switch {
	case err == nil:
		// Even when ctx was canceled meanwhile: never drop a client.
		return l.wrap(nc), false, nil
	case canceled:
		return nil, false, ctx.Err()
	case errors.Is(err, os.ErrDeadlineExceeded):
		// Another caller's kick.
		return nil, true, nil
	default:
		return nil, false, fmt.Errorf("tcp: %w", err)
	}
}

// wrap makes an accepted connection a core.Conn.
func (l *Listener) wrap(nc net.Conn) core.Conn {
	switch c := nc.(type) {
	case *net.TCPConn:
		if l.nagle {
			// Should this fail, the connection is already broken
			// and will say so on first use.
			_ = c.SetNoDelay(false)
		}
		return newConn(c)
	case *net.UnixConn:
		return newUnixConn(c)
	}
	panic(fmt.Sprintf("tcp: unexpected connection type %T", nc))
}

// acceptCall is one accept on the socket that watches a context. Once the
// context is done, its kick interrupts every accept on the socket until the
// call leaves. Both happen under l.mu; they may come in either order, since
// stop, the function that context.AfterFunc returns, reports false as soon
// as the kick has been started, which may be before it has run.
type acceptCall struct {
	l      *Listener
	kicked bool // the kick ran before the call left; the call must undo it
	left   bool // the call left before the kick ran; the kick must do nothing
}

// kick runs, on its own goroutine, when the call's context is done.
func (a *acceptCall) kick() {
	l := a.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.left {
		return
	}
	a.kicked = true
	l.kicking++
	if l.kicking == 1 {
		l.calm = make(chan struct{})
		// An error here means the listener is closed, which
		// interrupts the accepts just as well.
		_ = l.ln.SetDeadline(aLongTimeAgo)
	}
}

// leave runs when the call's accept has returned and its kick was started.
func (a *acceptCall) leave() {
	l := a.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if !a.kicked {
		a.left = true
		return
	}
	l.kicking--
	if l.kicking == 0 {
		_ = l.ln.SetDeadline(time.Time{})
		close(l.calm)
	}
}
