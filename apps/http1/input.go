package http1

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// appendInput appends data to input kept from earlier packets.
func (c *conn) appendInput(data []byte) {
	c.room(len(data))
	c.in = append(c.in, data...)
}

// keepInput copies input that aliases the packet into storage of its own,
// and frees that storage when no input is left.
func (c *conn) keepInput() {
	if len(c.in) == 0 {
		c.in, c.inOwned = nil, false
		putBuf(c.own)
		c.own = nil
		return
	}
	if !c.inOwned {
		c.room(0)
	}
}

// room makes the input live in its own storage with room for at least n
// more bytes after it (one at least), moving or growing it as needed.
func (c *conn) room(n int) {
	n = max(n, 1)
	if c.inOwned && cap(c.in)-len(c.in) >= n {
		return
	}
	need := len(c.in) + n
	if c.own == nil || cap(*c.own) < need {
		nb := getBuf(max(need, inBufSize))
		c.in = (*nb)[:copy(*nb, c.in)]
		putBuf(c.own) // after the copy: c.in may have lived there
		c.own = nb
	} else {
		c.in = (*c.own)[:copy(*c.own, c.in)]
	}
	c.inOwned = true
}

// buffered implements source.
func (c *conn) buffered() []byte { return c.in }

// consume implements source.
func (c *conn) consume(n int) { c.in = c.in[n:] }

// fill implements source: it reads more input, after writing what waits to
// be written, for the client may wait for it before sending more.
func (c *conn) fill() error {
	if c.hijacked {
		return http.ErrHijacked
	}
	c.room(512)
	space := c.in[len(c.in):cap(c.in)]
	n, err := c.read(space)
	c.in = c.in[:len(c.in)+n]
	if n > 0 {
		return nil
	}
	return err
}

// readDirect implements source.
func (c *conn) readDirect(p []byte) (int, error) {
	if c.hijacked {
		return 0, http.ErrHijacked
	}
	return c.read(p)
}

// read reads from the connection within the body read deadline.
func (c *conn) read(p []byte) (int, error) {
	c.flushOut()
	if c.werr != nil {
		return 0, c.werr
	}
	var dl time.Time
	if x := c.x; x != nil && x.dl != nil && x.dl.readSet {
		dl = x.dl.read
	} else {
		dl = c.after(c.app.cfg.BodyReadTimeout)
	}
	_ = c.srv.SetReadDeadline(dl)
	n, err := c.srv.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("http1: reading body: %w", err)
	}
	return n, err
}

// after returns the time d from now, or zero (never) when d is 0.
func (c *conn) after(d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}
