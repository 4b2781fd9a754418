package http1

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
	"unsafe"
)

// request is what one request's handler may keep after it returns, besides
// its header map: the *http.Request itself, its context and URL, and, in a
// requestWithVals, the header values. Each serves one request and is never
// reused; they are allocated a few at a time, in slabs (see slabs). The
// rest of what serving a request needs lives in its exchange, which is
// reused.
//
// A request is also the handler's http.ResponseWriter: a handle that
// forwards to the exchange's response while the handler runs, and to a
// finished response once it has returned, so that a ResponseWriter kept and
// used later fails, as net/http's does, instead of writing into the
// response of another request.
type request struct {
	req http.Request
	ctx requestContext
	u   url.URL
}

// The interfaces a handler may find its ResponseWriter implements.
var _ interface {
	http.ResponseWriter
	http.Flusher
	http.Hijacker
	io.StringWriter
	FlushError() error
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
	EnableFullDuplex() error
} = (*request)(nil)

// firstVals is how many header values a requestWithVals has room for.
const firstVals = 4

// requestWithVals is a request with room for the values of its header
// fields, for a request that has a few besides Host.
type requestWithVals struct {
	request
	vals [firstVals]string
}

// slabBytes is about how much memory a slab of requests takes.
const slabBytes = 4 << 10

// slabs hands out requests from slabs: arrays of fresh requests allocated
// at once, so that a request costs a share of one allocation rather than an
// allocation of its own (see BENCHMARKS.md for what allocating a request
// costs beside parsing it). A slab lives as long as any of its
// requests does: a request that a handler keeps keeps its slab (at most
// slabBytes) alive, and what the other requests of the slab refer to.
// Each request is handed out once; none is ever reused.
type slabs struct {
	plain []request
	vals  []requestWithVals
}

// next returns a fresh request of c for a header section that has the
// given number of field lines, and the storage for their values: room for
// a few in a requestWithVals, none when there is only one field, Host
// typically, or more than that room holds, when the parser makes its own.
func (sl *slabs) next(c *conn, fields int) (*request, []string) {
	if fields <= 1 || fields > firstVals+1 {
		if len(sl.plain) == 0 {
			sl.plain = newSlab[request]()
		}
		q := &sl.plain[0]
		sl.plain, q.ctx.c = sl.plain[1:], c
		return q, nil
	}
	if len(sl.vals) == 0 {
		sl.vals = newSlab[requestWithVals]()
	}
	q := &sl.vals[0]
	sl.vals, q.ctx.c = sl.vals[1:], c
	return &q.request, q.vals[:]
}

// newSlab allocates a slab of blank requests (see request.init).
func newSlab[T any, PT interface {
	*T
	base() *request
}]() []T {
	slab := make([]T, slabBytes/unsafe.Sizeof(*new(T)))
	for i := range slab {
		PT(&slab[i]).base().init()
	}
	return slab
}

// base returns q, or, promoted, the request a requestWithVals is.
func (q *request) base() *request { return q }

// init makes q.req a blank request but for its context, q's own, which only
// WithContext can set: a request's fields are then set in place, without
// copying a whole Request to set its context.
func (q *request) init() {
	q.req = *new(http.Request).WithContext(&q.ctx)
}

// response returns the response the handler writes, or, once it has
// returned, a finished one, which fails every call.
func (q *request) response() *response {
	if x := q.ctx.c.x; x != nil && x.q == q {
		return &x.w
	}
	return &response{x: &exchange{exchangeState: exchangeState{c: q.ctx.c}}, finished: true}
}

// Header implements http.ResponseWriter.
func (q *request) Header() http.Header { return q.response().Header() }

// WriteHeader implements http.ResponseWriter.
func (q *request) WriteHeader(code int) { q.response().WriteHeader(code) }

// Write implements http.ResponseWriter.
func (q *request) Write(p []byte) (int, error) { return write(q.response(), p) }

// WriteString implements io.StringWriter.
func (q *request) WriteString(s string) (int, error) { return write(q.response(), s) }

// Flush implements http.Flusher.
func (q *request) Flush() { q.response().Flush() }

// FlushError is what http.ResponseController.Flush calls: see
// response.FlushError.
func (q *request) FlushError() error { return q.response().FlushError() }

// SetReadDeadline is what http.ResponseController.SetReadDeadline calls:
// see response.SetReadDeadline.
func (q *request) SetReadDeadline(t time.Time) error { return q.response().SetReadDeadline(t) }

// SetWriteDeadline is what http.ResponseController.SetWriteDeadline calls:
// see response.SetWriteDeadline.
func (q *request) SetWriteDeadline(t time.Time) error { return q.response().SetWriteDeadline(t) }

// EnableFullDuplex is what http.ResponseController.EnableFullDuplex calls:
// see response.EnableFullDuplex.
func (q *request) EnableFullDuplex() error { return q.response().EnableFullDuplex() }

// Hijack implements http.Hijacker: see response.Hijack.
func (q *request) Hijack() (net.Conn, *bufio.ReadWriter, error) { return q.response().Hijack() }
