package http1

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

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
// request. Fields are ordered to pack it small.
type conn struct {
	app        *App
	srv        *core.Server
	localAddr  net.Addr             // for http.LocalAddrContextKey
	tls        *tls.ConnectionState // for Request.TLS
	remoteAddr string               // for Request.RemoteAddr

	// Input received and not consumed yet. It aliases the data of the
	// current Packet call, or lives in own when it must outlive it.
	in   []byte
	own  *[]byte
	scan headScanner

	// Output: responses waiting to be written, in storage that the first
	// request answered since the last write lends from its exchange (outx,
	// which goes back to its pool with it), or else from a pool.
	out  []byte
	outp *[]byte
	outx *exchange

	x *exchange // the request being served
	// spare is the exchange of a request answered in this packet, reset,
	// for the next request, so that pipelined requests do not each take
	// one from the pool and put it back; it goes back with the output.
	spare  *exchange
	werr   error  // a write failed; the connection is dead
	shared string // what follows the last header section: see headString

	// cur is the context of the request being served, for the function
	// that a force-close of the connection runs on another goroutine to
	// cancel it. That function is registered (stopForced, guarded by
	// forcedMu) only once a request's context is watched, so that an idle
	// connection pays nothing for it. It holds forcedMu while it cancels,
	// and cur is cleared under forcedMu, so that once a request ends no
	// force-close cancels its context: with Config.ReuseRequests, that
	// becomes another request's.
	cur        atomic.Pointer[requestContext]
	forcedMu   sync.Mutex
	stopForced func() bool

	// The watch for the client's hang-up (core.Server.WatchHangup), which
	// cancels the context of the request being served: it runs once that
	// context is watched and nothing is left to read for the request
	// (hangOK: no body, or its end was read, and no input behind it).
	// Guarded by forcedMu, but hangOK, which is set without it,
	// atomically, before the handler runs. hang is made by the first
	// watch, so that a connection whose handlers never watch their
	// contexts pays one pointer for it.
	hangOK atomic.Bool
	hang   *hangup

	phase    phase
	timing   bool // the header or idle timeout of this phase is running
	served   bool // a request was answered
	batched  bool // a request was answered in this packet
	inOwned  bool
	closing  bool // close after the responses gathered
	hijacked bool
	ownWDL   bool // the server has the handler's write deadline, not the timeout
}

// hangup is the state of a connection's watch for its client's hang-up.
type hangup struct {
	wanted bool   // the current request's context is watched
	stop   func() // ends the watch that runs, if any
	cancel func() // conn.cancelCurrent, bound once
}

// Connect implements core.Handler. The first request must arrive within the
// header timeout.
func (c *conn) Connect(srv *core.Server, _ core.ConnInfo) core.Action {
	c.srv = srv
	_ = srv.SetWriteTimeout(c.app.cfg.WriteTimeout) // the server keeps it up
	return c.next()
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

// after returns the time d from now, or zero (never) when d is 0.
func (c *conn) after(d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

// Output.

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

// release returns every buffer; the connection is ending.
func (c *conn) release() {
	c.releaseOut()
	c.in, c.inOwned = nil, false
	putBuf(c.own)
	c.own = nil
}

// Input.

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
