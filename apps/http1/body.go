package http1

import (
	"io"
	"net/http"
)

// requestBody is a request's Body: a handle, as the request is its
// ResponseWriter, to the body's state in the request's exchange while the
// handler runs. Once the handler has returned it reads nothing, as
// net/http's bodies then do, whatever request the exchange serves by then.
type requestBody request

// live returns the body's state while its handler runs, or nil.
func (rb *requestBody) live() *body {
	q := (*request)(rb)
	if x := q.ctx.c.x; x != nil && x.q == q {
		return x.body
	}
	return nil
}

// Read implements io.Reader: see body.Read.
func (rb *requestBody) Read(p []byte) (int, error) {
	if b := rb.live(); b != nil {
		return b.Read(p)
	}
	return 0, http.ErrBodyReadAfterClose
}

// Close implements io.Closer: see body.Close.
func (rb *requestBody) Close() error {
	if b := rb.live(); b != nil {
		return b.Close()
	}
	return nil
}

// body is the state of a request's Body. It pulls the body from the connection when the
// handler reads, on the handler's goroutine, which is the server's: first
// from the input already received, then from the socket, never more than the
// body holds (a chunked body's framing may read a little ahead, into the
// connection's input buffer). Nothing is buffered whole.
type body struct {
	x         *exchange
	chunked   bool
	left      int64 // bytes left of a Content-Length body
	n         int64 // bytes read so far
	limit     int64 // Config.MaxBodyBytes; 0 for none
	expect100 bool  // 100 Continue is owed before the first read
	eof       bool
	closed    bool // the handler closed it
	done      bool // the handler returned
	draining  bool // the server reads what the handler left
	err       error
	cr        chunkedReader

	// failed is the first framing or limit error met reading the body
	// that the server owes a status for, and failedByServer says the
	// server met it draining the body after the handler, which never saw
	// it.
	failed         error
	failedByServer bool
}

func (b *body) init(x *exchange) {
	h := &x.head
	*b = body{
		x:         x,
		chunked:   h.chunked,
		left:      h.length,
		limit:     x.c.app.cfg.MaxBodyBytes,
		expect100: h.expect100,
	}
	if b.chunked {
		b.cr = chunkedReader{src: x.c, maxTrailer: x.c.app.cfg.MaxHeaderBytes}
	}
}

// Read implements io.Reader. The first Read of a request that expects
// 100-continue sends the interim response, unless the final response has
// begun. It fails with http.ErrBodyReadAfterClose after Close or once the
// handler has returned, with a *http.MaxBytesError past Config.MaxBodyBytes,
// and with an error wrapping ErrBadRequest when the body is malformed.
func (b *body) Read(p []byte) (int, error) {
	if b.closed || b.done {
		return 0, http.ErrBodyReadAfterClose
	}
	return b.read(p)
}

// Close implements io.Closer. What the handler did not read is drained, or
// the connection closed, once the handler returns.
func (b *body) Close() error {
	b.closed = true
	return nil
}

func (b *body) read(p []byte) (n int, err error) {
	switch {
	case b.err != nil:
		return 0, b.err
	case b.eof:
		return 0, io.EOF
	case len(p) == 0:
		return 0, nil
	}
	c := b.x.c
	if b.expect100 {
		b.expect100 = false
		if !b.x.w.committed {
			c.outBuf()
			c.out = append(c.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
			c.flushOut()
		}
	}
	if b.chunked {
		n, err = b.cr.Read(p)
	} else {
		n, err = b.readLength(p)
	}
	b.n += int64(n)
	if b.limit > 0 && b.n > b.limit {
		n -= int(b.n - b.limit)
		err = &http.MaxBytesError{Limit: b.limit}
	}
	switch {
	case err == io.EOF:
		b.eof = true
		c.bodyRead()
		if b.chunked && b.cr.trailer != nil {
			r := b.x.req
			if r.Trailer == nil {
				r.Trailer = make(http.Header, len(b.cr.trailer))
			}
			for k, v := range b.cr.trailer {
				r.Trailer[k] = v
			}
		}
	case err != nil:
		b.err = err
		b.x.bodyFailed(err)
		c.closing = true
	}
	return n, err
}

// readLength reads a Content-Length body. It returns io.EOF on the read
// after the last byte.
func (b *body) readLength(p []byte) (n int, err error) {
	if b.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	src := b.x.c
	if in := src.buffered(); len(in) > 0 {
		n = copy(p, in)
		src.consume(n)
	} else {
		n, err = src.readDirect(p)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
	}
	b.left -= int64(n)
	return n, err
}
