package http1

import (
	"context"
	"sync"
	"time"
)

// requestContext is the context of one request, cancelled when the request
// finishes or its connection fails. It lives in the request's exchange, so it
// costs no allocation of its own, and its Done channel is made only if
// someone asks for it. Contexts derived from it (context.WithTimeout in a
// middleware, say) register through AfterFunc, the hook the context package
// looks for, so deriving starts no goroutine.
type requestContext struct {
	parent context.Context // the connection's: values only, never done

	mu    sync.Mutex
	done  chan struct{} // made on demand
	err   error
	funcs []*afterFunc
}

// afterFunc is a function registered with AfterFunc; f is nil once it ran
// or was stopped.
type afterFunc struct{ f func() }

// Deadline implements context.Context: a request has none.
func (c *requestContext) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done implements context.Context.
func (c *requestContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.err != nil {
			close(c.done)
		}
	}
	return c.done
}

// Err implements context.Context.
func (c *requestContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Value implements context.Context.
func (c *requestContext) Value(key any) any { return c.parent.Value(key) }

// AfterFunc arranges for f to run when the context is cancelled, at once if
// it already is. stop unregisters f and reports whether it did so before f
// ran. The context package uses it to cancel derived contexts.
func (c *requestContext) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		f()
		return func() bool { return false }
	}
	a := &afterFunc{f: f}
	c.funcs = append(c.funcs, a)
	c.mu.Unlock()
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
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = context.Canceled
	if c.done != nil {
		close(c.done)
	}
	funcs := c.funcs
	c.funcs = nil
	var run []func()
	for _, a := range funcs {
		if a.f != nil {
			run = append(run, a.f)
			a.f = nil
		}
	}
	c.mu.Unlock()
	for _, f := range run {
		f()
	}
}

// String describes the context, as the context package's own types do.
func (c *requestContext) String() string { return "http1.requestContext" }
