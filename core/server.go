package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// serverState is where a server is in its life.
type serverState int32

const (
	stateIdle        serverState = iota // provisioned, not yet told to accept (S1)
	stateAccepting                      // blocked in Listener.Accept
	stateHandshaking                    // took a connection, handshake running
	stateConnected                      // the handler is live
	stateClosing                        // the connection is being closed
	stateEnded                          // everything released; Done is closed
)

// aLongTimeAgo is a read deadline in the past, used to wake a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

// hooks connect a server to the endpoint that owns it. A standalone server
// has none.
type hooks interface {
	// accepted runs on the server's goroutine as soon as it took a
	// connection, before any handshake. It reports false to refuse it.
	accepted(s *Server) bool
	// hibernator returns the poller that hibernating servers use, or nil
	// if there is none; with loop set, it is an event loop that serves the
	// server's socket itself (Config.EventLoop).
	hibernator() (h *hibernator, loop bool)
	// ended runs on the server's goroutine when it is about to end;
	// hadConn reports whether it took a connection; err is why it ended
	// before one, or nil.
	ended(s *Server, hadConn bool, err error)
}

// Server accepts exactly one connection from a [Listener] and serves it with
// a [Handler] made by its [App], on one goroutine (rules S1-S12).
//
// A Server is usually run by an [Endpoint]'s governors; NewServer is for
// those who want to drive the lifecycle themselves, and for tests.
type Server struct {
	ln    Listener
	app   App
	cfg   *Config
	hooks hooks
	ctr   *counters
	log   *slog.Logger

	mu           sync.Mutex
	state        serverState
	nmsg         atomic.Int32 // len(mbox), read without the lock
	conn         Conn
	cancelAccept context.CancelFunc
	forced       error // set by Close: why the connection was cut
	mbox         []any

	ref  *AcceptRef
	done chan struct{}
	err  error // why the server ended; valid once done is closed

	bytesIn, bytesOut atomic.Uint64

	out net.Buffers // scratch for vectored writes
	vec [][]byte    // backing array for out

	// Owned by the server's goroutine: the read buffer and its unconsumed
	// bytes rb[r:w], and whether a callback used the connection directly.
	rb       *[]byte // nil while idle on a LazyReader
	r, w     int
	serving  bool
	streamed bool
	accepted bool // Accept was called once; guarded by mu
	detached bool // guarded by mu

	shuttingDown atomic.Bool
	appRDL       time.Time
	wb           writeBound // see writebound.go

	// act is the result of the last callback, kept here rather than on
	// the goroutine's stack, which stays small while a connection idles.
	act  Action
	sess session

	hib   hibernation                 // see hibernate.go
	hang  atomic.Pointer[hangupWatch] // the watch that runs; see WatchHangup
	hangW *hangupWatch                // the watch to reuse; guarded by mu

	ctx    context.Context         // made by Context on demand; guarded by mu
	cancel context.CancelCauseFunc // cancels ctx
}

// NewServer returns a server that will accept one connection from ln and
// serve it with a handler made by app. It is provisioned at once and waits:
// it accepts nothing until Accept is called (rule S1). It starts no
// goroutine until then.
func NewServer(ln Listener, app App, cfg Config) *Server {
	c := cfg.withDefaults(app)
	return newServer(ln, app, &c, nil, &counters{})
}

func newServer(ln Listener, app App, cfg *Config, h hooks, ctr *counters) *Server {
	return &Server{
		ln:    ln,
		app:   app,
		cfg:   cfg,
		hooks: h,
		ctr:   ctr,
		log:   cfg.Logger,
		done:  make(chan struct{}),
		wb:    writeBound{timeout: cfg.WriteTimeout},
	}
}

// AcceptRef is the reference Server.Accept returns (rule S3). Await it to
// learn about the connection the server took.
type AcceptRef struct {
	ready chan struct{}
	info  ConnInfo
	err   error
}

// Ready is closed once the server has a connection ready for the app (after
// any handshake), or has failed to get one.
func (r *AcceptRef) Ready() <-chan struct{} { return r.ready }

// Await waits until the server has taken a connection and completed any
// handshake, and returns the connection's info. It returns the error that
// stopped the server if it ended first (one that wraps net.ErrClosed when the
// listener was closed), or ctx.Err() if ctx is done first.
func (r *AcceptRef) Await(ctx context.Context) (ConnInfo, error) {
	select {
	case <-r.ready:
		return r.info, r.err
	case <-ctx.Done():
		return ConnInfo{}, ctx.Err()
	}
}

// Accept asks the server to accept one connection and returns at once with a
// reference to await (rule S3). The server performs the accept itself, on its
// own goroutine, and then serves the connection. ctx bounds only the wait in
// accept: once a connection is taken, ctx no longer matters.
//
// A server accepts exactly once: a second call fails with
// ErrAlreadyAccepted and leaves the first untouched (rule S2). Calling Accept
// on a closed server fails with ErrServerClosed.
func (s *Server) Accept(ctx context.Context) (*AcceptRef, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.accepted:
		return nil, ErrAlreadyAccepted
	case s.state == stateEnded:
		return nil, ErrServerClosed
	}
	s.accepted = true
	actx, cancel := context.WithCancel(ctx)
	s.cancelAccept = cancel
	s.state = stateAccepting
	s.ref = &AcceptRef{ready: make(chan struct{})}
	s.ctr.accepting.Add(1)
	go s.run(actx)
	return s.ref, nil
}

// Send delivers msg to the handler's Info callback, after the messages sent
// before it and never concurrently with another callback (rule S6), and
// before any input the server reads after Send returned: what the peer
// sends in answer to what msg caused never overtakes msg. It fails with
// ErrNotConnected if the server has no connection yet (or is still in its
// handshake), ErrServerClosed once the connection is closing, and
// ErrMailboxFull when the handler is that far behind. Send never blocks on
// the connection.
func (s *Server) Send(msg any) error {
	s.mu.Lock()
	switch s.state {
	case stateConnected:
	case stateClosing, stateEnded:
		s.mu.Unlock()
		return ErrServerClosed
	default:
		s.mu.Unlock()
		return ErrNotConnected
	}
	if len(s.mbox) >= s.cfg.MailboxSize {
		s.mu.Unlock()
		return ErrMailboxFull
	}
	s.enqueueLocked(msg)
	conn := s.conn
	s.mu.Unlock()
	// Wake the server if it hibernates or is blocked in Read; it resets
	// the deadline before it looks at its mailbox again, so no wake-up is
	// lost.
	s.wakeConn(conn)
	return nil
}

func (s *Server) enqueueLocked(msg any) {
	s.mbox = append(s.mbox, msg)
	s.nmsg.Store(int32(len(s.mbox)))
}

// notify queues a framework message (Shutdown) whatever the mailbox size,
// for a server that has or is about to have a handler.
func (s *Server) notify(msg any) {
	s.mu.Lock()
	if s.state != stateHandshaking && s.state != stateConnected {
		s.mu.Unlock()
		return
	}
	if _, ok := msg.(Shutdown); ok {
		s.shuttingDown.Store(true)
	}
	s.enqueueLocked(msg)
	conn, wake := s.conn, s.state == stateConnected
	s.mu.Unlock()
	// A server still in its handshake finds the message once connected;
	// a past read deadline now would cut the handshake short.
	if wake {
		s.wakeConn(conn)
	}
}

// nextMsg pops the oldest message, if any.
func (s *Server) nextMsg() (any, bool) {
	if s.nmsg.Load() == 0 {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.mbox) == 0 {
		return nil, false
	}
	msg := s.mbox[0]
	s.mbox[0] = nil
	s.mbox = s.mbox[1:]
	if len(s.mbox) == 0 {
		s.mbox = s.mbox[:0:0]
	}
	s.nmsg.Store(int32(len(s.mbox)))
	return msg, true
}

// Close stops the server. A server waiting in accept stops waiting; a
// connection is closed at once, without a close action's courtesy, and the
// handler's Disconnect sees ErrForcedClose. Close does not wait: use Done or
// Wait for that. Closing an ended server does nothing.
func (s *Server) Close() error {
	var (
		conn   Conn
		cancel context.CancelCauseFunc
		loop   bool
	)
	s.mu.Lock()
	switch s.state {
	case stateIdle:
		s.state = stateEnded
		s.err = ErrServerClosed
		close(s.done)
	case stateAccepting:
		if s.cancelAccept != nil {
			s.cancelAccept()
		}
	case stateHandshaking, stateConnected, stateClosing:
		if s.detached {
			break
		}
		if s.forced == nil {
			s.forced = ErrForcedClose
		}
		conn, cancel, loop = s.conn, s.cancel, s.hib.loop
	}
	s.mu.Unlock()
	// Outside the lock: closing may take a while (a TLS close_notify).
	// The connection is closed before the context says so, so that a
	// handler woken by the context finds it closed. A socket on an event
	// loop is shut down instead: its loop uses its descriptor without
	// holding a reference, so only its server may close it.
	switch {
	case conn == nil:
	case loop:
		s.shutdownSocket()
	default:
		_ = conn.Close()
	}
	if cancel != nil {
		cancel(ErrForcedClose)
	}
	if conn != nil {
		s.wake() // a hibernating server finds its connection closed
	}
	return nil
}

// Context returns a context that is cancelled when the server's connection
// is force-closed (by Close, or by an endpoint whose Shutdown deadline
// passed; context.Cause then reports ErrForcedClose) or when the server has
// ended. A handler that blocks in a callback on something other than the
// connection, such as an HTTP handler waiting on its request's context,
// watches it to learn that it must give up.
func (s *Server) Context() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithCancelCause(context.Background())
		switch {
		case s.state == stateEnded:
			s.cancel(ErrServerClosed)
		case s.forced != nil:
			s.cancel(s.forced)
		}
	}
	return s.ctx
}

// Done is closed when the server has ended: its goroutine has exited, its
// connection is closed and its buffers are released (rule S10).
func (s *Server) Done() <-chan struct{} { return s.done }

// Wait waits until the server has ended or ctx is done. It returns the
// reason the server ended before serving a connection (nil if it served one),
// or ctx.Err().
func (s *Server) Wait(ctx context.Context) error {
	select {
	case <-s.done:
		return s.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// BytesIn and BytesOut report how many bytes this server's connection has
// read and written.
func (s *Server) BytesIn() uint64 { return s.bytesIn.Load() }

// BytesOut reports how many bytes this server's connection has written.
func (s *Server) BytesOut() uint64 { return s.bytesOut.Load() }

// run is the server's goroutine: accept, handshake, serve, release.
func (s *Server) run(ctx context.Context) {
	// take's frame is gone by the time serve waits on an idle connection,
	// so that the goroutine's stack can shrink back.
	conn, info := s.take(ctx)
	if conn == nil {
		return
	}
	if !s.open(&info) {
		s.finish(true, nil)
		return
	}
	s.serve()
}

// serve runs the serving loop until the connection ends, then ends the
// server; or until the server hibernates, leaving its goroutine to exit.
func (s *Server) serve() {
	if s.sess.pend != nil {
		s.flushPending()
	}
	if s.loop() {
		return
	}
	s.end()
	s.finish(true, nil)
}

// take accepts a connection, admits it and runs its handshake. It returns
// nil, having ended the server, when it got no connection to serve.
func (s *Server) take(ctx context.Context) (Conn, ConnInfo) {
	conn, err := s.ln.Accept(ctx)
	s.ctr.accepting.Add(-1)
	// Let go of the accept context at once: an idle connection should
	// hold nothing it no longer needs.
	s.mu.Lock()
	cancel := s.cancelAccept
	s.cancelAccept = nil
	s.mu.Unlock()
	cancel()
	if err != nil {
		s.finish(false, err)
		return nil, ConnInfo{}
	}
	s.ctr.accepted.Add(1)
	s.ctr.active.Add(1)
	s.mu.Lock()
	s.conn = conn
	s.state = stateHandshaking
	s.mu.Unlock()

	if s.hooks != nil && !s.hooks.accepted(s) {
		s.ctr.refused.Add(1)
		_ = conn.Close()
		s.endConn(nil)
		s.finish(true, nil)
		return nil, ConnInfo{}
	}
	if hs, ok := conn.(Handshaker); ok {
		hctx, cancel := context.WithTimeout(context.Background(), s.cfg.HandshakeTimeout)
		err := hs.HandshakeContext(hctx)
		cancel()
		if err != nil {
			s.log.Debug("ace: handshake failed", "remote", conn.RemoteAddr(), "err", err)
			_ = conn.Close()
			s.endConn(fmt.Errorf("ace: handshake: %w", err))
			s.finish(true, nil)
			return nil, ConnInfo{}
		}
	}
	info := conn.Info()
	s.ref.info = info
	var (
		hib  *hibernator
		loop bool
	)
	sock, _ := conn.(socket)
	if sock != nil && s.hooks != nil && (s.cfg.HibernateAfter > 0 || s.cfg.EventLoop) {
		hib, loop = s.hooks.hibernator()
	}
	s.mu.Lock()
	forced := s.forced
	if forced == nil {
		s.state = stateConnected
		if hib != nil {
			s.hib.w, s.hib.rc, s.hib.loop = hib, sock.RawConn(), loop
			if s.hib.rc == nil {
				s.hib.w, s.hib.loop = nil, false
			}
		}
	}
	s.mu.Unlock()
	if forced != nil {
		_ = conn.Close()
		s.endConn(forced)
		s.finish(true, nil)
		return nil, ConnInfo{}
	}
	close(s.ref.ready)
	// Whoever awaits the reference holds it; the server needs it no more.
	s.ref = nil
	return conn, info
}

// endConn resolves the accept reference with err if it is still pending and
// counts the connection closed.
func (s *Server) endConn(err error) {
	s.mu.Lock()
	s.state = stateClosing
	s.mu.Unlock()
	if s.ref != nil {
		if err == nil {
			err = ErrServerClosed
		}
		s.ref.err = err
		close(s.ref.ready)
	}
	s.ctr.active.Add(-1)
	s.ctr.closed.Add(1)
}

// finish ends the server: it tells the endpoint, then closes Done.
func (s *Server) finish(hadConn bool, err error) {
	if !hadConn {
		s.ref.err = err
		close(s.ref.ready)
	}
	if s.hooks != nil {
		s.hooks.ended(s, hadConn, err)
	}
	s.mu.Lock()
	s.state = stateEnded
	s.conn = nil
	s.mbox = nil
	s.err = err
	if s.cancel != nil {
		s.cancel(ErrServerClosed)
	}
	s.mu.Unlock()
	close(s.done)
}

// session is the state of a connection being served, kept in the Server
// rather than on its goroutine's stack, so that the goroutine can end while
// the connection hibernates and another can carry on where it stopped. It is
// owned by whichever goroutine serves the connection.
type session struct {
	h         Handler
	lazy      LazyReader    // the connection, if it reads lazily
	timeout   time.Duration // timeout of the last action
	deadline  int64         // when it expires, on the monotonic clock (monoNow); 0 for none
	armed     int64         // the read deadline the socket has, likewise; 0 for none
	reason    error
	setDL     bool // the read deadline must be (re)set
	over      bool // the connection has ended; reason says why
	panicked  bool
	detached  bool
	linger    bool // close gracefully at the end (left to a goroutine by an event loop)
	offLoop   bool // the socket could not be parked in its event loop: serve it on goroutines
	readFirst bool // the event loop kicked the server: read before parking again

	// pend holds what a write on an event loop could not send without
	// waiting; the goroutine the connection is handed to sends it first.
	pend *[]byte
}

// open makes the handler and runs its Connect callback. It reports false,
// having ended the connection, if there is no handler to serve it.
func (s *Server) open(info *ConnInfo) bool {
	x := &s.sess
	h, err := s.newHandler(*info)
	if err != nil {
		s.closeConn(s.conn, false)
		s.endConn(err)
		return false
	}
	x.h, x.setDL = h, true
	x.lazy, _ = s.conn.(LazyReader)
	s.serving = true
	s.do(s.callConnect(h, info))
	s.serving = false
	return true
}

// do carries out the action of the callback that just returned, or ends the
// connection with err, the callback's panic. It reports whether the
// connection ended.
func (s *Server) do(err error) bool {
	x := &s.sess
	a := &s.act
	if s.streamed {
		// The handler used the connection directly: its deadlines are
		// gone, and it may have detached the connection.
		s.streamed = false
		s.appRDL = time.Time{}
		x.setDL = true
		if s.isDetached() {
			x.reason, x.detached, x.over = ErrDetached, true, true
			return true
		}
	}
	if err != nil {
		x.reason, x.panicked, x.over = err, true, true
		return true
	}
	werr := s.write(s.conn, a)
	closes, next, keep := a.close, a.timeout, a.keep
	*a = Action{} // hold on to nothing the app sent
	if werr != nil {
		x.reason, x.over = werr, true
		return true
	}
	if closes {
		x.reason, x.over = nil, true
		s.closeGracefully()
		return true
	}
	if !keep && (next != x.timeout || next > 0) {
		x.timeout = next
		if next > 0 {
			x.deadline = monoNow() + int64(next)
		} else {
			x.deadline = 0
		}
		// A deadline that moves later is not set on the socket at
		// once: the one it has wakes the server early, which then sets
		// the new one. A connection that renews its timeout with every
		// packet thus updates its socket's timer about once per timeout
		// rather than once per packet.
		if x.armed == 0 || (x.deadline != 0 && x.deadline < x.armed) {
			x.setDL = true
		}
	}
	// What an event loop could not write is left to a goroutine, which
	// must send it before anything else happens.
	return x.pend != nil
}

// closeGracefully closes the connection after a close action or a frame
// error: at once on the server's goroutine, at the end on a goroutine of its
// own when an event loop serves it, since lingering waits for the peer.
func (s *Server) closeGracefully() {
	if s.hib.onLoop {
		s.sess.linger = true
		return
	}
	s.closeConn(s.conn, true)
}

// loop serves the connection until it ends, and reports false then; or
// until the server hibernates, and reports true: the goroutine must then
// return at once, touching nothing, since another may already carry on.
func (s *Server) loop() (hibernated bool) {
	x := &s.sess
	conn, h := s.conn, x.h
	s.serving = true
	get, put := s.lazyGet, s.releaseBuf
	for !x.over {
		s.stopHangupWatch() // if one runs; it asks for the deadline to be set
		if x.setDL {
			_ = conn.SetReadDeadline(monoTime(x.deadline))
			x.armed, x.setDL = x.deadline, false
		}
		// Messages first. The deadline was reset before the mailbox is
		// looked at, and it is reset again before the next look, so a
		// Send that wakes the read is never lost.
		if s.nmsg.Load() != 0 {
			if s.doMsgs(h) {
				break
			}
			continue
		}
		var (
			n     int
			err   error
			atEOF bool
		)
		if x.lazy != nil && s.r == s.w {
			// Nothing is pending: wait without a buffer, or without
			// a goroutine if the endpoint asked for that. The buffer
			// held, if any, serves the first attempt, which finds the
			// next input already there or gives the buffer back.
			s.r, s.w = 0, 0
			if s.hib.loop && !x.offLoop && !x.readFirst {
				// Back to the event loop, unless the timeout is due.
				if x.deadline != 0 && monoNow() >= x.deadline {
					if s.timedOut(h) {
						continue
					}
				}
				s.releaseBuf()
				if s.hibernate() {
					return true
				}
				x.setDL = true
				continue
			}
			if s.hib.req.Load() {
				s.releaseBuf()
				s.hib.req.Store(false)
				if s.hibernate() {
					return true
				}
				x.setDL = true
				continue
			}
			x.readFirst = false
			n, err = x.lazy.ReadLazily(get, put)
		} else {
			if s.rb == nil {
				s.rb = getBuf(s.cfg.ReadBufferSize)
			}
			n, err = conn.Read(s.room())
		}
		s.received(n)
		if err != nil {
			switch {
			case errors.Is(err, os.ErrDeadlineExceeded):
				x.setDL = true
				if x.deadline != 0 && monoNow() >= x.deadline && s.timedOut(h) {
					continue
				}
			case errors.Is(err, io.EOF):
				atEOF = true
			default:
				x.reason, x.over = s.readErr(err), true
				continue
			}
		}
		// Messages waiting now were sent before this input was read,
		// maybe before the peer wrote it in answer to what they caused:
		// they go first, so that the handler sees them in causal order
		// (the read that returned the input may be the one a Send was
		// to interrupt).
		if s.nmsg.Load() != 0 && s.doMsgs(h) {
			break
		}
		s.handleInput(h, atEOF)
	}
	s.serving = false
	s.releaseBuf()
	return false
}

// doMsgs delivers the messages waiting, and reports, as Server.do does,
// whether the server must stop serving. After a message the read deadline
// is reset, since a Send moved it to wake the read.
func (s *Server) doMsgs(h Handler) bool {
	for {
		msg, ok := s.nextMsg()
		if !ok {
			return false
		}
		if s.do(s.callInfo(h, msg)) {
			return true
		}
		s.sess.setDL = true
	}
}

// received counts n bytes read into the buffer. Only the server's own
// counters move, which no other goroutine writes: the endpoint's totals
// add them up when asked (Endpoint.Stats) and when the server ends, so
// that no packet costs an atomic add on a cache line that every core's
// servers write.
func (s *Server) received(n int) {
	if n > 0 {
		s.w += n
		s.bytesIn.Add(uint64(n))
	}
}

// sent counts n bytes written; see received.
func (s *Server) sent(n int64) {
	if n > 0 {
		s.bytesOut.Add(uint64(n))
	}
}

// handleInput hands the frames read to the handler, and at the end of the
// input, when they are all delivered, ends the connection.
func (s *Server) handleInput(h Handler, atEOF bool) {
	if !s.deliver(h, atEOF) && atEOF {
		s.sess.reason, s.sess.over = io.EOF, true
		s.closeConn(s.conn, false)
	}
}

// timedOut delivers Timeout for the timeout that expired, and reports
// whether the connection ended.
func (s *Server) timedOut(h Handler) bool {
	x := &s.sess
	d := x.timeout
	x.deadline, x.timeout = 0, 0
	return s.do(s.callInfo(h, Timeout{After: d}))
}

// deliver hands every whole frame buffered to the handler, and reports
// whether the connection ended.
func (s *Server) deliver(h Handler, atEOF bool) bool {
	// A callback may consume buffered input itself through Server.Read, so
	// s.r and s.w are read afresh each time.
	for s.r < s.w || atEOF {
		var buf []byte
		if s.rb != nil {
			buf = *s.rb
		}
		frame, adv, ferr := s.cfg.Framer.Frame(buf[s.r:s.w], atEOF)
		if ferr != nil {
			s.do(s.callInfo(h, FrameError{Err: ferr}))
			if !s.sess.over {
				s.sess.reason, s.sess.over = ferr, true
				s.closeGracefully()
			}
			return true
		}
		if adv == 0 {
			break
		}
		s.r += adv
		if frame != nil && s.do(s.callPacket(h, frame)) {
			return true
		}
	}
	if s.r == s.w {
		s.r, s.w = 0, 0
	} else if buf := *s.rb; s.w == len(buf) && s.r > 0 {
		s.w = copy(buf, buf[s.r:s.w])
		s.r = 0
	}
	return false
}

// end closes the connection if the handler still has it, runs Disconnect and
// counts the connection closed.
func (s *Server) end() {
	x := &s.sess
	if x.linger {
		x.linger = false
		s.closeConn(s.conn, true)
	}
	if x.reason != nil && !x.panicked && !x.detached {
		if f := s.forcedErr(); f != nil {
			x.reason = f
		}
	}
	s.forget()
	if !x.detached {
		s.closeConn(s.conn, false)
	}
	s.callDisconnect(x.h, x.reason, x.panicked)
	s.endConn(x.reason)
	x.h, x.lazy = nil, nil
}

// lazyGet is the get function of LazyReader.ReadLazily.
func (s *Server) lazyGet() []byte {
	if s.rb == nil {
		s.rb = getBuf(s.cfg.ReadBufferSize)
	}
	return *s.rb
}

// releaseBuf gives the read buffer back to the pool.
func (s *Server) releaseBuf() {
	if s.rb != nil {
		putBuf(s.rb)
		s.rb = nil
	}
}

// newHandler asks the app for a handler, containing a panic.
func (s *Server) newHandler(info ConnInfo) (h Handler, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.panicked(r)
		}
	}()
	return s.app.NewHandler(info), nil
}

func (s *Server) callConnect(h Handler, info *ConnInfo) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.panicked(r)
		}
	}()
	s.act = h.Connect(s, *info)
	return nil
}

func (s *Server) callPacket(h Handler, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.panicked(r)
		}
	}()
	s.act = h.Packet(data)
	return nil
}

func (s *Server) callInfo(h Handler, msg any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.panicked(r)
		}
	}()
	s.act = h.Info(msg)
	return nil
}

func (s *Server) callDisconnect(h Handler, reason error, panicked bool) {
	if panicked && h == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			_ = s.panicked(r)
		}
	}()
	h.Disconnect(reason)
}

// panicked logs a recovered panic with its stack and counts it (rule S12).
func (s *Server) panicked(r any) error {
	s.ctr.panicked.Add(1)
	s.log.Error("ace: handler panicked", "panic", r, "stack", string(debug.Stack()))
	return fmt.Errorf("%w: %v", ErrHandlerPanic, r)
}

func (s *Server) forcedErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forced
}

func (s *Server) readErr(err error) error {
	if f := s.forcedErr(); f != nil {
		return f
	}
	return err
}

// write sends what a carries, with one vectored write when it has several
// slices.
func (s *Server) write(conn Conn, a *Action) error {
	if a.n == 0 {
		return nil
	}
	if s.hib.onLoop {
		return s.writeOnLoop(a)
	}
	s.armWrite(conn)
	var (
		n   int64
		err error
	)
	if a.n == 1 && len(a.extra) == 0 {
		var m int
		m, err = s.writeOne(conn, a.bufs[0])
		n = int64(m)
	} else {
		s.vec = a.AppendTo(s.vec[:0])
		s.out = s.vec
		n, err = s.out.WriteTo(conn)
		clear(s.vec)
	}
	s.sent(n)
	if err != nil {
		return s.readErr(fmt.Errorf("ace: write: %w", err))
	}
	return nil
}

// nowWriter is implemented by connections that can write without waiting:
// those that read through a RawReader.
type nowWriter interface {
	WriteNow(p []byte) (int, error)
}

// writeOne writes p to conn: first as much as the socket takes at once,
// through its RawReader, which costs less than the connection's Write, then
// the rest, if any, through Write, which waits, bounded by the write
// deadline. A deadline set with SetWriteDeadline may have passed already,
// and only Write honours it, so it alone writes then.
func (s *Server) writeOne(conn Conn, p []byte) (int, error) {
	w, ok := conn.(nowWriter)
	if !ok || s.wb.armed == fixedDeadline {
		return conn.Write(p)
	}
	n, err := w.WriteNow(p)
	if err != nil || n == len(p) {
		return n, err
	}
	m, err := conn.Write(p[n:])
	return n + m, err
}

// closeWriter is implemented by connections that can half-close.
type closeWriter interface{ CloseWrite() error }

// closeConn closes conn once. With graceful set, it first half-closes the
// connection and waits up to Config.Linger for the peer to close its side, so
// that data the server has not read does not turn the close into a reset
// that destroys the last bytes sent.
func (s *Server) closeConn(conn Conn, graceful bool) {
	s.stopHangupWatch()
	s.mu.Lock()
	if s.state == stateClosing {
		s.mu.Unlock()
		return
	}
	s.state = stateClosing
	forced := s.forced != nil
	s.mu.Unlock()
	if graceful && !forced && s.cfg.Linger > 0 {
		if cw, ok := conn.(closeWriter); ok && cw.CloseWrite() == nil {
			_ = conn.SetReadDeadline(time.Now().Add(s.cfg.Linger))
			var scratch [512]byte
			for {
				if _, err := conn.Read(scratch[:]); err != nil {
					break
				}
			}
		}
	}
	_ = conn.Close()
}
