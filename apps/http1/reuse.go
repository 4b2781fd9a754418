package http1

import (
	"net/http"
	"net/url"
	"sync"
)

// Bounds on what a reusable request keeps for the next one: a request with
// more header fields than these gets storage of its own for them, and its
// reusable request drops a header map grown past them.
const (
	maxReusedVals   = 32
	maxReusedFields = 32
)

// reusable is a request that, with Config.ReuseRequests, serves request
// after request, possibly of different connections: its *http.Request,
// context, URL, header map, the storage for header values and the
// exchange are reset and reused, so that serving a request allocates none
// of them, and takes one item from a pool.
type reusable struct {
	request
	x      exchange // serves the request
	header http.Header
	vals   []string
	// blank is what request.req is reset to: a zero request but for its
	// context, which is the request's, so that serving a request sets
	// its fields without copying a whole Request to set its context.
	blank http.Request
}

// reusables holds the reusable requests of no request.
var reusables = sync.Pool{New: func() any {
	r := &reusable{header: make(http.Header), vals: make([]string, firstVals)}
	r.x.reused = r
	r.init()
	r.blank = r.req
	return r
}}

// reuseRequest returns a reusable request for a request of c whose header
// section has the given number of field lines, and room for all their
// values: its own, or, past maxReusedVals, new storage that is not kept.
// The request is r, reset already, or, when r is nil, one from the pool.
func reuseRequest(c *conn, r *reusable, fields int) (*reusable, []string) {
	if r == nil {
		r = reusables.Get().(*reusable)
	}
	r.ctx.c = c
	switch {
	case fields > maxReusedVals:
		return r, make([]string, fields)
	case fields > len(r.vals):
		r.vals = make([]string, maxReusedVals)
	}
	return r, r.vals[:fields]
}

// reset readies r for another request. What it keeps of the request is
// the connection it was last on (r.ctx.c), so that a handle used after its
// request, against the contract of ReuseRequests, finds a connection, not
// nil: while r waits for its next request, such a use fails as on a
// finished response; once r serves another request, it reaches that
// request, which is why the contract forbids it.
func (r *reusable) reset() {
	c := r.ctx.c
	r.req = r.blank
	r.ctx = requestContext{c: c}
	r.u = url.URL{}
	r.x.reset()
	if len(r.header) > maxReusedFields {
		r.header = make(http.Header)
	} else {
		clear(r.header)
	}
	clear(r.vals)
}
