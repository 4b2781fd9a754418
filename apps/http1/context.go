package http1

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"
)

// requestContext is the context of one request, cancelled when the request
// finishes or its connection fails. It lives in the request's request
// struct, so it costs no allocation of its own, and what it needs to be
// waited for (its Done channel, the functions registered with AfterFunc) is
// made only if someone asks for it. Contexts derived from it
// (context.WithTimeout in a middleware, say) register through AfterFunc,
// the hook the context package looks for, so deriving starts no goroutine.
type requestContext struct {
	c *conn    // for the values: the connection and its local address
	w *waiters // made on demand

	mu        sync.Mutex
	cancelled bool
	watched   bool // watch was called
}

// waiters are what a requestContext tells when it is cancelled.
type waiters struct {
	done  chan struct{} // made on demand
	funcs *afterFunc    // the functions registered with AfterFunc, newest first
}

// afterFunc is a function registered with AfterFunc, in a list; f is nil
// once it ran or was stopped.
type afterFunc struct {
	f    func()
	next *afterFunc
}

// waiters returns c.w, making it if needed. c.mu is held.
func (c *requestContext) waiters() *waiters {
	if c.w == nil {
		c.w = new(waiters)
	}
	return c.w
}

// Deadline implements context.Context: a request has none.
func (c *requestContext) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done implements context.Context.
func (c *requestContext) Done() <-chan struct{} {
	c.mu.Lock()
	conn := c.watch()
	w := c.waiters()
	if w.done == nil {
		w.done = make(chan struct{})
		if c.cancelled {
			close(w.done)
		}
	}
	done := w.done
	c.mu.Unlock()
	conn.watched(c)
	return done
}

// Err implements context.Context.
func (c *requestContext) Err() error {
	c.mu.Lock()
	conn := c.watch()
	cancelled := c.cancelled
	c.mu.Unlock()
	conn.watched(c)
	if cancelled {
		return context.Canceled
	}
	return nil
}

// Value implements context.Context. A request's context carries, as
// net/http's does, the connection's local address under
// http.LocalAddrContextKey, and the connection, for [ShuttingDown].
func (c *requestContext) Value(key any) any {
	switch key {
	case connKey{}:
		return c.c
	case http.LocalAddrContextKey:
		if a := c.c.localAddr; a != nil {
			return a
		}
	}
	return nil
}

// watch notes that someone may now wait for c to be cancelled. The first
// time, while c is live, it returns the connection, whose force-close, or
// its client's hang-up, must then cancel c: the caller calls its watched
// once c.mu is released, since a force-close cancels c holding the lock
// watched takes. It returns nil otherwise, which watched takes as nothing
// to do. c.mu is held.
func (c *requestContext) watch() *conn {
	if c.cancelled || c.watched {
		return nil
	}
	c.watched = true
	return c.c
}

// AfterFunc arranges for f to run when the context is cancelled, at once if
// it already is. stop unregisters f and reports whether it did so before f
// ran. The context package uses it to cancel derived contexts.
func (c *requestContext) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	if c.cancelled {
		c.mu.Unlock()
		f()
		return func() bool { return false }
	}
	conn := c.watch()
	w := c.waiters()
	a := &afterFunc{f: f, next: w.funcs}
	w.funcs = a
	c.mu.Unlock()
	conn.watched(c)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		ran := a.f == nil
		a.f = nil
		return !ran
	}
}

// cancel cancels the context and runs the functions registered with
// AfterFunc. Cancelling twice does nothing.
func (c *requestContext) cancel() {
	c.mu.Lock()
	if c.cancelled {
		c.mu.Unlock()
		return
	}
	c.cancelled = true
	w := c.w
	if w == nil {
		c.mu.Unlock()
		return
	}
	if w.done != nil {
		close(w.done)
	}
	funcs := w.funcs
	w.funcs = nil
	var run []func()
	for a := funcs; a != nil; a = a.next {
		if a.f != nil {
			run = append(run, a.f)
			a.f = nil
		}
	}
	c.mu.Unlock()
	for _, f := range slices.Backward(run) {
		f() // in the order they were registered
	}
}

// String describes the context, as the context package's own types do.
func (c *requestContext) String() string { return "http1.requestContext" }
