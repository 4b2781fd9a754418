package http1

import (
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"

	"github.com/ace-go/ace/core"
)

// Buffer sizes.
const (
	// inBufSize is the initial size of the storage for input kept across
	// packets or read while a handler reads a chunked body.
	inBufSize = 4 << 10
	// outFlushSize is how many bytes of responses are gathered before
	// they are written: pipelined responses go out together, up to this.
	outFlushSize = 32 << 10
	// commitSize is how much body a handler may write before its response
	// header is sent: a response that ends within it gets a
	// Content-Length, a longer one is sent chunked.
	commitSize = 8 << 10
	// maxDrain bounds how much of a body the handler left unread the
	// server reads and drops to keep the connection: past it, the server
	// closes the connection instead.
	maxDrain = 256 << 10
)

// phase says what a connection waits for between requests.
type phase uint8

const (
	phaseIdle phase = iota // the first byte of the next request
	phaseHead              // the rest of a request's header section
)

// conn is the core.Handler of one connection. Every method runs on the
// connection's server goroutine, and so does the net/http Handler, inside
// Packet.
//
// A connection waiting for its next request keeps only this struct: its
// buffers go back to their pools after every packet, and what a request
// needs lives in its exchange, which goes back to its pool after the
// request. Its fields are grouped by concern, each group but the first
// named after the file of the methods that own it; the small fields of
// adjacent groups share a word (the input's and the loop's; the output's
// and the hang-up's), to pack it small.
type conn struct {
	// The connection, as NewHandler and Connect learn it.
	app        *App
	srv        *core.Server
	localAddr  net.Addr             // for http.LocalAddrContextKey
	tls        *tls.ConnectionState // for Request.TLS
	remoteAddr string               // for Request.RemoteAddr

	// Input (input.go): what was received and not consumed yet. It
	// aliases the data of the current Packet call, or lives in own
	// (inOwned) when it must outlive it.
	in      []byte
	own     *[]byte
	inOwned bool

	// The request loop (conn.go): what the connection waits for, the
	// scan of the header section arriving, and how the connection ends.
	phase    phase
	timing   bool // the header or idle timeout of this phase is running
	served   bool // a request was answered
	batched  bool // a request was answered in this packet
	closing  bool // close after the responses gathered
	hijacked bool
	scan     headScanner

	// Dispatch (dispatch.go): the request being served (x); spare, the
	// exchange of a request answered in this packet, reset, for the next
	// request, so that pipelined requests do not each take one from the
	// pool and put it back (it goes back with the output); and shared,
	// what follows the last header section (see headString).
	x      *exchange
	spare  *exchange
	shared string

	// Output (output.go): responses waiting to be written, in storage
	// that the first request answered since the last write lends from its
	// exchange (outx, which goes back to its pool with it), or else from
	// a pool.
	out    []byte
	outp   *[]byte
	outx   *exchange
	werr   error // a write failed; the connection is dead
	ownWDL bool  // the server has the handler's write deadline, not the timeout

	// Cancellation of the request being served (hangup.go), by a
	// force-close of the connection and by the client's hang-up.
	//
	// cur is the context of the request being served, for the function
	// that a force-close of the connection runs on another goroutine to
	// cancel it. That function is registered (stopForced, guarded by
	// forcedMu) only once a request's context is watched, so that an idle
	// connection pays nothing for it. It holds forcedMu while it cancels,
	// and cur is cleared under forcedMu, so that once a request ends no
	// force-close cancels its context: with Config.ReuseRequests, that
	// becomes another request's.
	//
	// The watch for the client's hang-up (core.Server.WatchHangup), which
	// cancels the context of the request being served: it runs once that
	// context is watched and nothing is left to read for the request
	// (hangOK: no body, or its end was read, and no input behind it).
	// Guarded by forcedMu, but hangOK, which is set without it,
	// atomically, before the handler runs. hang is made by the first
	// watch, so that a connection whose handlers never watch their
	// contexts pays one pointer for it.
	hangOK     atomic.Bool
	forcedMu   sync.Mutex
	cur        atomic.Pointer[requestContext]
	stopForced func() bool
	hang       *hangup
}

// Connect implements core.Handler. The first request must arrive within the
// header timeout.
func (c *conn) Connect(srv *core.Server, _ core.ConnInfo) core.Action {
	c.srv = srv
	_ = srv.SetWriteTimeout(c.app.cfg.WriteTimeout) // the server keeps it up
	return c.next()
}

// Packet implements core.Handler: it serves every request data completes.
func (c *conn) Packet(data []byte) core.Action {
	if len(c.in) == 0 {
		c.in, c.inOwned = data, false
	} else {
		c.appendInput(data)
	}
	c.serve()
	return c.next()
}

// Info implements core.Handler: timeouts and the shutdown notice.
func (c *conn) Info(msg any) core.Action {
	switch msg.(type) {
	case core.Timeout:
		return c.timedOut()
	case core.Shutdown:
		if c.phase == phaseIdle {
			c.release()
			return core.Close()
		}
		// A request is arriving: it is answered, with Connection:
		// close, unless its header timeout ends it first.
	}
	return c.next()
}

// Disconnect implements core.Handler: it releases the buffers.
func (c *conn) Disconnect(error) {
	c.forcedMu.Lock()
	stop := c.stopForced
	c.stopForced = func() bool { return false } // never register again
	c.forcedMu.Unlock()
	if stop != nil {
		stop()
	}
	c.release()
}

// serve serves every whole request in the input, in order.
func (c *conn) serve() {
	for !c.closing && !c.hijacked && c.werr == nil {
		if c.scan.pos == 0 && len(c.in) > 0 && c.in[0] == '\r' {
			c.in = c.in[skipEmptyLines(c.in):]
		}
		if len(c.in) == 0 {
			return
		}
		if c.phase == phaseIdle {
			c.phase = phaseHead
			if c.served {
				// The header timeout starts now: next sets it,
				// unless the request is served first.
				c.timing = false
			}
		}
		n, err := c.scan.scan(c.in, c.app.cfg.MaxRequestLineBytes, c.app.cfg.MaxHeaderBytes)
		if err != nil {
			c.reject(err)
			return
		}
		if n == 0 {
			return
		}
		c.serveRequest(n)
		if len(c.out) >= outFlushSize {
			c.flushOut()
		}
	}
}

// next writes the responses gathered, keeps the input that must outlive
// the callback, and tells the server what to wait for.
func (c *conn) next() core.Action {
	c.flushOut()
	c.shared, c.batched = "", false
	switch {
	case c.hijacked:
		c.release()
		return core.Continue() // the server ends: the connection is detached
	case c.closing || c.werr != nil:
		c.release()
		return core.Close()
	}
	c.releaseOut()
	c.keepInput()
	timeout := c.app.cfg.IdleTimeout
	if c.phase == phaseHead || !c.served {
		timeout = c.app.cfg.HeaderTimeout
	}
	switch {
	case timeout <= 0:
		return core.Continue()
	case c.timing:
		// The timeout runs from the phase's start, whatever arrived
		// since: the server keeps its deadline.
		return core.Continue().KeepTimeout()
	}
	c.timing = true
	return core.Continue().WithTimeout(timeout)
}

// timedOut ends a connection whose header or idle timeout expired: with 408
// if part of a request arrived, silently otherwise.
func (c *conn) timedOut() core.Action {
	if c.phase == phaseHead {
		c.reject(errTimeout)
		c.flushOut()
	}
	c.release()
	return core.Close()
}

// release returns every buffer; the connection is ending.
func (c *conn) release() {
	c.releaseOut()
	c.in, c.inOwned = nil, false
	putBuf(c.own)
	c.own = nil
}
