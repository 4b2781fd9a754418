package http1

import (
	"fmt"
)

// outBuf returns the output buffer. When there is none, the request being
// served lends its exchange's (so that answering a request takes nothing
// from a pool); without a request, it comes from the pool.
func (c *conn) outBuf() []byte {
	if c.outp == nil {
		c.takeOut() // apart, so that outBuf inlines
	}
	return c.out
}

// takeOut is outBuf's work when there is no output buffer.
func (c *conn) takeOut() {
	if x := c.x; x != nil {
		if x.scratch.out == nil {
			x.scratch.out = make([]byte, 0, inBufSize)
		}
		c.outp, c.outx = &x.scratch.out, x
	} else {
		c.outp = getBuf(inBufSize)
	}
	c.out = (*c.outp)[:0]
}

// flushOut writes the responses gathered.
func (c *conn) flushOut() {
	if len(c.out) == 0 || c.werr != nil || c.hijacked {
		c.out = c.out[:0]
		return
	}
	c.write(c.out)
	c.out = c.out[:0]
}

// write writes p to the connection at once, within the write deadline.
func (c *conn) write(p []byte) {
	if c.werr != nil {
		return
	}
	c.boundWrite()
	if _, err := c.srv.Write(p); err != nil {
		c.werr = fmt.Errorf("http1: writing response: %w", err)
		c.closing = true
		if c.x != nil {
			c.x.q.ctx.cancel() // the connection failed
		}
	}
}

// boundWrite bounds the next write by the deadline the handler set with
// http.ResponseController, or else by Config.WriteTimeout, which the server
// applies to every write (see Connect).
func (c *conn) boundWrite() {
	if x := c.x; x != nil && x.dl != nil && x.dl.writeSet {
		_ = c.srv.SetWriteDeadline(x.dl.write)
		c.ownWDL = true
		return
	}
	if c.ownWDL {
		_ = c.srv.SetWriteTimeout(c.app.cfg.WriteTimeout)
		c.ownWDL = false
	}
}

// releaseOut gives the output buffer back: to the exchange that lent it,
// which goes back to its pool, or to the buffers' pool; and the spare
// exchange back to its pool.
func (c *conn) releaseOut() {
	if x := c.spare; x != nil {
		c.spare = nil
		x.putBack() // recycled already
	}
	if c.outp == nil {
		return
	}
	*c.outp = c.out[:cap(c.out)] // keeps what the buffer grew into
	if x := c.outx; x != nil {
		c.outx = nil
		x.release()
	} else {
		putBuf(c.outp)
	}
	c.outp, c.out = nil, nil
}
