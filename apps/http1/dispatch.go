package http1

import (
	"net/http"
	"strconv"
)

// serveRequest serves the request whose header section is c.in[:n].
func (c *conn) serveRequest(n int) {
	x := newExchange(c, c.scan.fields)
	defer c.done(x)
	err := parseHead(&x.head, c.headString(n))
	c.in = c.in[n:]
	if err == nil && c.app.cfg.MaxBodyBytes > 0 && x.head.length > c.app.cfg.MaxBodyBytes {
		err = errBodyTooLarge
	}
	if err != nil {
		c.reject(err)
		return
	}
	c.x = x
	c.cur.Store(&x.q.ctx)
	// The client's hang-up can be watched for while the handler runs if
	// nothing is left to read: no body, and no request behind this one.
	if x.head.length == 0 && len(c.in) == 0 {
		c.hangOK.Store(true)
	}
	x.serve()
	c.clearCurrent()
	c.x = nil
	c.served, c.batched = true, true
	c.phase = phaseIdle
	c.timing = false // the idle timeout starts: next sets it
}

// maxShared bounds the input that the header sections of pipelined
// requests share as one string.
const maxShared = 4 << 10

// headString returns c.in[:n], a header section, as a string, which the
// request's strings are pieces of. The first request of a packet gets a
// string of its own; when more follow in the same packet (pipelining),
// the next one is converted together with the input after it, up to
// maxShared bytes, and those after it take their share of that string,
// so that a batch of requests costs one allocation, not one each.
func (c *conn) headString(n int) string {
	if n <= len(c.shared) && string(c.in[:n]) == c.shared[:n] {
		s := c.shared[:n]
		c.shared = c.shared[n:]
		return s
	}
	if !c.batched || len(c.in) <= n {
		c.shared = ""
		return string(c.in[:n])
	}
	all := string(c.in[:max(n, min(len(c.in), maxShared))])
	c.shared = all[n:]
	return all[:n]
}

// done releases the exchange of a request served, unless it lent the
// output buffer: releaseOut releases it then.
func (c *conn) done(x *exchange) {
	switch {
	case c.outx == x: // it goes back with the output
	case c.spare == nil:
		x.recycle()
		c.spare = x
	default:
		x.release()
	}
}

// reject answers a request the server will not serve with the status err
// carries, and closes the connection after it.
func (c *conn) reject(err error) {
	code := StatusOf(err)
	if code == 0 {
		code = http.StatusBadRequest
	}
	reason := http.StatusText(code)
	if se, ok := err.(*statusError); ok {
		reason = se.reason
	}
	c.writeError(code, reason)
}

// writeError gathers a plain-text error response that closes the
// connection.
func (c *conn) writeError(code int, reason string) {
	body := http.StatusText(code) + ": " + reason + "\n"
	b := c.outBuf()
	b = appendStatusLine(b, code)
	b = append(b, "Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nDate: "...)
	b = appendDate(b)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	c.out = append(b, body...)
	c.closing = true
}
