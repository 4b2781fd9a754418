package http1

import (
	"context"
)

// hangup is the state of a connection's watch for its client's hang-up.
type hangup struct {
	wanted bool   // the current request's context is watched
	stop   func() // ends the watch that runs, if any
	cancel func() // conn.cancelCurrent, bound once
}

// watched makes a force-close of the connection (a shutdown past its
// deadline) cancel the context of the request being served, so that a
// handler blocked on that context, not on the connection, learns that it
// must give up, or the shutdown would wait for it forever; and, as
// net/http does, the client's hang-up too, if rc is that context. The
// request context calls it when someone starts watching it: the force-close
// is registered once per connection, and not after the connection has
// ended. A nil c does nothing.
func (c *conn) watched(rc *requestContext) {
	if c == nil {
		return
	}
	c.forcedMu.Lock()
	defer c.forcedMu.Unlock()
	if c.stopForced == nil {
		c.stopForced = context.AfterFunc(c.srv.Context(), c.cancelCurrent)
	}
	if c.cur.Load() == rc {
		if c.hang == nil {
			c.hang = &hangup{cancel: c.cancelCurrent}
		}
		c.hang.wanted = true
		c.watchHangupLocked()
	}
}

// watchHangupLocked starts the watch for the client's hang-up once it is
// wanted and possible. Where the connection cannot be watched (TLS other
// than on Linux), it does not try again for the request. c.forcedMu is
// held.
func (c *conn) watchHangupLocked() {
	if h := c.hang; h != nil && h.wanted && h.stop == nil && c.hangOK.Load() {
		h.stop = c.srv.WatchHangup(h.cancel)
		c.hangOK.Store(h.stop != nil)
	}
}

// bodyRead says that the handler has read the request's body to its end:
// unless input follows it, the client's hang-up can be watched for now.
func (c *conn) bodyRead() {
	if len(c.in) > 0 {
		return
	}
	c.forcedMu.Lock()
	c.hangOK.Store(true)
	c.watchHangupLocked()
	c.forcedMu.Unlock()
}

// cancelCurrent cancels the context of the request being served, if any.
func (c *conn) cancelCurrent() {
	c.forcedMu.Lock()
	defer c.forcedMu.Unlock()
	if rc := c.cur.Load(); rc != nil {
		rc.cancel()
	}
}

// clearCurrent says that no request is being served, and ends the watch
// for its client's hang-up. Once it returns, neither a force-close nor the
// hang-up cancels the context of the request that was.
func (c *conn) clearCurrent() {
	c.forcedMu.Lock()
	c.cur.Store(nil)
	var stop func()
	if h := c.hang; h != nil {
		stop = h.stop
		h.stop, h.wanted = nil, false
	}
	if c.hangOK.Load() { // a store only if needed: it is an atomic exchange
		c.hangOK.Store(false)
	}
	c.forcedMu.Unlock()
	if stop != nil {
		stop() // outside forcedMu, which the watch's cancelCurrent takes
	}
}
