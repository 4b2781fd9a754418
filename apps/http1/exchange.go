package http1

import (
	"errors"
	"net/http"
	"runtime/debug"
	"sync"
	"time"
)

// exchange is the server's side of one request and its response: the
// parsed header section, the state of the request's body and that of the
// response writer. The handler reaches those states through handles that
// fail once it has returned, and everything else it may keep (the
// request's context, URL and header) is allocated apart, so an exchange is
// reused: it comes from a pool, for a request at a time.
type exchange struct {
	exchangeState
	scratch scratch // kept from one request to the next
	// reused is the reusable request the exchange is part of, with
	// Config.ReuseRequests, for good; nil otherwise.
	reused *reusable
}

// exchangeState is what an exchange holds for one request, zeroed after it.
type exchangeState struct {
	c    *conn
	q    *request // what the handler may keep, and its ResponseWriter
	head head
	body *body // nil without a body, else &bodyState
	w    response
	req  *http.Request

	bodyState body

	// dl holds the deadlines set with http.ResponseController, in place
	// of the configured timeouts; nil until one is set.
	dl *deadlines
}

// scratch is the storage an exchange keeps from one request to the next,
// and into the pool with it, so that serving a request takes no buffer
// from a pool of its own: an idle connection holds no exchange, hence none
// of this.
type scratch struct {
	out   []byte   // backs the connection's output, lent by conn.outBuf
	body  []byte   // backs a response's body before its header is sent
	hdr   []byte   // backs a response's header fields, as snapshotted
	sniff *sniffed // the type sniffed last
	reqs  slabs    // where the requests come from
}

// Bounds on the storage an exchange keeps: what outgrew them is left to
// the garbage collector.
const (
	maxKeptHdr = 4 << 10
	maxKeptOut = outFlushSize
)

// deadlines are the read and write deadlines a handler set.
type deadlines struct {
	read, write       time.Time
	readSet, writeSet bool
}

// exchanges holds the exchanges of no request, all zero.
var exchanges = sync.Pool{New: func() any { return new(exchange) }}

// newExchange returns an exchange for a request of c whose header section
// has the given number of field lines: the spare one of c, if any, else one
// from the pool.
func newExchange(c *conn, fields int) *exchange {
	x := c.spare
	c.spare = nil
	if c.app.cfg.ReuseRequests {
		var spare *reusable
		if x != nil {
			spare = x.reused
		}
		r, vals := reuseRequest(c, spare, fields)
		x = &r.x
		x.c, x.q = c, &r.request
		x.head.u, x.head.header, x.head.vals = &r.u, r.header, vals
		return x
	}
	if x == nil {
		x = exchanges.Get().(*exchange)
	}
	x.c = c
	q, vals := x.scratch.reqs.next(c, fields)
	x.q = q
	x.head.u, x.head.vals = &q.u, vals
	return x
}

// release recycles x and returns it to its pool.
func (x *exchange) release() {
	x.recycle()
	x.putBack()
}

// recycle readies x for another request: it zeroes x but for its scratch
// storage, so that nothing of its request stays alive; with
// Config.ReuseRequests, it resets the whole reusable request x is part of.
func (x *exchange) recycle() {
	if x.reused != nil {
		x.reused.reset()
		return
	}
	x.reset()
}

// putBack returns x, recycled, to its pool; with Config.ReuseRequests, the
// reusable request it is part of to theirs.
func (x *exchange) putBack() {
	if x.reused != nil {
		reusables.Put(x.reused)
		return
	}
	exchanges.Put(x)
}

// reset zeroes x but for its scratch storage, which it bounds.
func (x *exchange) reset() {
	x.exchangeState = exchangeState{}
	s := &x.scratch
	if cap(s.hdr) > maxKeptHdr {
		s.hdr = nil
	}
	if cap(s.out) > maxKeptOut {
		s.out = nil
	}
}

// serve runs the handler for the request and finishes its response.
func (x *exchange) serve() {
	x.req = x.newRequest()
	x.w.init(x)
	p, stack := x.run()
	x.finish(p, stack)
	x.q.ctx.cancel()
	if x.body != nil {
		x.body.done = true
	}
	x.w.finished = true
}

// newRequest builds the *http.Request the handler receives. q.req is blank
// but for its context, which is q's own: a slab sets it so (see slabs.next),
// and a reusable request is reset to it.
func (x *exchange) newRequest() *http.Request {
	q := x.q
	x.fillRequest(&q.req)
	return &q.req
}

// fillRequest sets the fields of r that the request decides.
func (x *exchange) fillRequest(r *http.Request) {
	c, h := x.c, &x.head
	r.Method = h.method
	r.URL = h.url
	r.Proto = h.proto
	r.ProtoMajor, r.ProtoMinor = 1, int(h.minor)
	r.Header = h.header
	r.Body = http.NoBody
	r.ContentLength = h.length
	r.Close = h.close
	r.Host = h.host
	r.RemoteAddr = c.remoteAddr
	r.RequestURI = h.target
	r.TLS = c.tls
	if h.chunked || h.length > 0 {
		x.body = &x.bodyState
		x.body.init(x)
		r.Body = (*requestBody)(x.q)
	}
	if h.chunked {
		r.TransferEncoding = []string{"chunked"}
		r.Trailer = h.trailer
	}
}

// run calls the handler and returns what it panicked with, if it did, and
// the stack of the panic.
func (x *exchange) run() (panicked any, stack []byte) {
	defer func() {
		if panicked = recover(); panicked != nil && panicked != http.ErrAbortHandler {
			stack = debug.Stack()
		}
	}()
	x.c.app.handler.ServeHTTP(x.q, x.req)
	return nil, nil
}

// finish completes the response after the handler returned: the status the
// server owes when the handler panicked or the body was malformed, the end
// of the body, and what is left of the request body.
func (x *exchange) finish(panicked any, stack []byte) {
	c, w := x.c, &x.w
	if c.hijacked {
		return
	}
	if panicked != nil {
		c.closing = true
		if panicked == http.ErrAbortHandler {
			return
		}
		c.app.log.Error("http1: panic serving request",
			"remote", c.remoteAddr, "method", x.head.method, "uri", x.head.target,
			"panic", panicked, "stack", string(stack))
		if !w.committed {
			c.writeError(http.StatusInternalServerError, "the handler panicked")
		}
		return
	}
	if !w.committed {
		// Drain before the header goes out, so that it can say
		// whether the connection stays open.
		x.drainBody()
		if b := x.body; b != nil && b.failed != nil && (b.failedByServer || w.untouched()) {
			c.reject(b.failed)
			return
		}
	}
	w.finish()
	x.drainBody()
}

// drainBody reads and drops what the handler left of the body, up to
// maxDrain bytes, so that the connection can carry the next request. When
// it cannot, the connection is closed after the response.
func (x *exchange) drainBody() {
	b, c := x.body, x.c
	switch {
	case b == nil || b.eof:
		return
	case b.err != nil, b.expect100, c.closing, !b.chunked && b.left > maxDrain:
		// Broken, or never asked for (the client waits for 100
		// Continue), or about to be cut off anyway, or too long.
		c.closing = true
		return
	}
	b.draining = true
	scratch := getBuf(4 << 10)
	defer putBuf(scratch)
	var n int64
	for n <= maxDrain {
		m, err := b.read(*scratch)
		n += int64(m)
		if err != nil {
			break
		}
	}
	if !b.eof {
		c.closing = true
	}
}

// bodyFailed records an error reading the body.
func (x *exchange) bodyFailed(err error) {
	b := x.body
	if StatusOf(err) == 0 {
		x.q.ctx.cancel() // the connection failed
		if !isTimeout(err) {
			return
		}
		err = &statusError{code: http.StatusRequestTimeout, reason: "body not received in time"}
	}
	if b.failed == nil {
		b.failed, b.failedByServer = err, b.draining
	}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
