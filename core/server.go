package core

import (
	"context"
	"log/slog"
	"net"
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
	// poller returns the poller that watches the server's socket while it
	// waits, or nil if there is none: the endpoint's hibernation poller, or
	// the poller of the event loop that serves the socket itself, loop
	// (Config.EventLoop).
	poller() (p *poller, loop *eventLoop)
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
	// Set by newServer and never changed: any goroutine reads them.
	ln    Listener
	app   App
	cfg   *Config
	hooks hooks
	ctr   *counters
	log   *slog.Logger
	done  chan struct{} // closed when the server ends

	// Guarded by mu.
	mu       sync.Mutex
	state    serverState
	accepted bool // Accept was called once
	// detached is set by Detach, on the serving goroutine, which alone
	// reads it without mu (isDetached).
	detached     bool
	conn         Conn
	cancelAccept context.CancelFunc
	forced       error                   // set by Close: why the connection was cut
	mbox         []any                   // see mailbox.go
	err          error                   // why the server ended; read without mu once done is closed
	hangW        *hangupWatch            // the watch to reuse; see WatchHangup
	ctx          context.Context         // made by Context on demand
	cancel       context.CancelCauseFunc // cancels ctx

	// Atomic: any goroutine reads and writes them without a lock.
	nmsg              atomic.Int32 // len(mbox), for the serving goroutine to look without mu
	shuttingDown      atomic.Bool
	bytesIn, bytesOut atomic.Uint64
	hang              atomic.Pointer[hangupWatch] // the watch that runs; see WatchHangup

	// Owned by the goroutine that serves the connection (the server's
	// own, one woken from hibernation, or an event loop's: one at a
	// time); no other touches them.
	ref      *AcceptRef  // set by Accept before the goroutine starts
	rb       *[]byte     // the read buffer, nil while idle on a LazyReader
	r, w     int         // its unconsumed bytes, rb[r:w]
	serving  bool        // a callback may use the connection directly (stream.go)
	streamed bool        // one did
	appRDL   time.Time   // the read deadline a callback set
	wb       writeBound  // see writebound.go
	out      net.Buffers // scratch for vectored writes
	vec      [][]byte    // backing array for out
	// act is the result of the last callback, kept here rather than on
	// the goroutine's stack, which stays small while a connection idles.
	act  Action
	sess session

	// hib is the server's part in hibernation and event loops, whose
	// fields follow each of the rules above: see hibernate.go.
	hib hibernation
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
		conn, cancel, loop = s.conn, s.cancel, s.hib.loop != nil
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
