package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"
)

// Accept-error backoff, as net/http does it: 5ms doubling to 1s (rule E6).
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = time.Second
)

// Endpoint serves an [App] on a [Listener] with a pool of governors, each
// keeping one [Server] waiting in accept (rules G1-G3, E1-E7).
type Endpoint struct {
	ln  Listener
	app App
	cfg Config
	ctr counters

	mu       sync.Mutex
	draining bool
	limit    int                  // MaxConns; 0 for none
	reserved int                  // waiting + serving servers (pause mode)
	waiting  map[*Server]struct{} // servers in accept
	live     map[*Server]struct{} // servers with a connection
	parked   []*governor          // governors paused at the limit
	timers   map[*time.Timer]struct{}
	hib      *poller      // hibernation's, made when the first connection that can hibernate arrives
	hibErr   error        // why there is none, once making one failed
	loops    []*eventLoop // Config.EventLoop's, made with the first connection that can use them
	loopErr  error        // why there are none, once making them failed
	nextLoop int          // the loop the next connection goes to

	wg        sync.WaitGroup // every server goroutine and backoff timer
	drained   chan struct{}  // closed when draining begins
	closeOnce sync.Once
	drainErr  error
}

// Listen binds addr with t and starts an endpoint serving app on it.
func Listen(ctx context.Context, t Transport, addr string, app App, cfg Config) (*Endpoint, error) {
	ln, err := t.Listen(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("ace: listen %s: %w", addr, err)
	}
	return Start(ln, app, cfg), nil
}

// Start starts an endpoint serving app on ln, which it now owns: Drain,
// Shutdown and Close close it. Config.Acceptors servers wait in accept as soon
// as Start returns (rule E1).
func Start(ln Listener, app App, cfg Config) *Endpoint {
	e := &Endpoint{
		ln:      ln,
		app:     app,
		cfg:     cfg.withDefaults(app),
		waiting: make(map[*Server]struct{}),
		live:    make(map[*Server]struct{}),
		timers:  make(map[*time.Timer]struct{}),
		drained: make(chan struct{}),
	}
	e.limit = e.cfg.MaxConns
	for i := 0; i < e.cfg.Acceptors; i++ {
		g := &governor{e: e}
		g.spawn()
	}
	return e
}

// Addr returns the address the endpoint listens on; with port 0 it is the
// port the system chose (rule E2).
func (e *Endpoint) Addr() net.Addr { return e.ln.Addr() }

// Stats returns a snapshot of the endpoint's counters (rule E7).
func (e *Endpoint) Stats() Stats {
	st := e.ctr.snapshot()
	// The bytes of the connections that ended are in the counters; those
	// of the live ones are their servers' own, added up here. Both under
	// e.mu, which an ending server holds to move its bytes from the one
	// to the other.
	e.mu.Lock()
	st.BytesIn, st.BytesOut = e.ctr.bytesIn.Load(), e.ctr.bytesOut.Load()
	for s := range e.live {
		st.BytesIn += s.bytesIn.Load()
		st.BytesOut += s.bytesOut.Load()
	}
	e.mu.Unlock()
	return st
}

// MaxConns returns the connection limit in force; 0 means none.
func (e *Endpoint) MaxConns() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.limit
}

// SetMaxConns changes the connection limit at run time (rule E5); n <= 0
// removes it. Raising it resumes paused governors at once. Lowering it stops
// servers waiting in accept beyond the new limit; connections already served
// carry on, and no new one is accepted until they are below it.
func (e *Endpoint) SetMaxConns(n int) {
	if n < 0 {
		n = 0
	}
	e.mu.Lock()
	e.limit = n
	var resume []*governor
	var cancel []*Server
	if !e.cfg.RefuseAtLimit {
		for len(e.parked) > 0 && (n == 0 || e.reserved < n) {
			resume = append(resume, e.parked[0])
			e.parked = e.parked[1:]
			e.reserved++ // taken on the governor's behalf
		}
		if n > 0 {
			excess := e.reserved - n
			for s := range e.waiting {
				if excess <= 0 {
					break
				}
				cancel = append(cancel, s)
				excess--
			}
		}
	}
	e.mu.Unlock()
	for _, s := range cancel {
		_ = s.Close()
	}
	for _, g := range resume {
		g.start(true)
	}
}

// Drain stops serving new connections while established ones carry on
// (rule E3): it closes the listener, so new clients are refused rather than
// left hanging, and stops the governors. It is idempotent and returns the
// listener's Close error.
func (e *Endpoint) Drain() error {
	e.beginDrain()
	return e.closeListener()
}

// beginDrain stops admitting connections and starting servers.
func (e *Endpoint) beginDrain() {
	e.mu.Lock()
	if e.draining {
		e.mu.Unlock()
		return
	}
	e.draining = true
	e.parked = nil
	for t := range e.timers {
		if t.Stop() {
			e.wg.Done()
		}
		delete(e.timers, t)
	}
	close(e.drained)
	idle := e.idlePollersLocked()
	e.mu.Unlock()
	closePollers(idle)
}

// closeListener closes the listener once; some transports take a while
// (QUIC), so it runs without the endpoint's lock.
func (e *Endpoint) closeListener() error {
	e.closeOnce.Do(func() { e.drainErr = e.ln.Close() })
	return e.drainErr
}

// Shutdown shuts the endpoint down gracefully (rule E4):
//
//  1. It drains (see Drain).
//  2. It sends [Shutdown] to every live server's handler, through its Info
//     callback, so the app can finish politely and close.
//  3. It waits for every server to end.
//  4. If ctx is done first, it force-closes every connection that remains,
//     waits for their servers to end, and returns ctx.Err().
//
// Shutdown returns only when every goroutine the endpoint started is gone.
func (e *Endpoint) Shutdown(ctx context.Context) error {
	e.beginDrain()
	var deadline time.Time
	if d, ok := ctx.Deadline(); ok {
		deadline = d
	}
	// Tell the live servers first: closing the listener may take a while.
	for _, s := range e.servers(false) {
		s.notify(Shutdown{Deadline: deadline})
	}
	_ = e.closeListener()
	all := make(chan struct{})
	go func() {
		e.wg.Wait()
		close(all)
	}()
	select {
	case <-all:
		return nil
	case <-ctx.Done():
	}
	e.forceClose()
	<-all
	return ctx.Err()
}

// Close stops the endpoint at once: it drains, force-closes every
// connection, and waits for every server to end.
func (e *Endpoint) Close() error {
	err := e.Drain()
	e.forceClose()
	e.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Draining is closed once the endpoint has started draining.
func (e *Endpoint) Draining() <-chan struct{} { return e.drained }

// servers returns the servers with a connection, and with withWaiting
// those waiting in accept as well.
func (e *Endpoint) servers(withWaiting bool) []*Server {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*Server, 0, len(e.live)+len(e.waiting))
	for s := range e.live {
		out = append(out, s)
	}
	if withWaiting {
		for s := range e.waiting {
			out = append(out, s)
		}
	}
	return out
}

func (e *Endpoint) forceClose() {
	for _, s := range e.servers(true) {
		_ = s.Close()
	}
}

// governor keeps one server waiting in accept (rules G1-G3). It is not a
// goroutine: it acts on the goroutine of the server that reports to it, so an
// idle acceptor costs exactly one goroutine, the one blocked in accept.
type governor struct {
	e       *Endpoint
	backoff time.Duration
}

// spawn starts the governor's next server, or parks the governor while the
// endpoint is at its connection limit.
func (g *governor) spawn() {
	e := g.e
	e.mu.Lock()
	if e.draining {
		e.mu.Unlock()
		return
	}
	// In pause mode every server holds a reservation, waiting or
	// serving, so that the limit can be changed at run time.
	reserve := !e.cfg.RefuseAtLimit
	if reserve {
		if e.limit > 0 && e.reserved >= e.limit {
			e.parked = append(e.parked, g)
			e.mu.Unlock()
			return
		}
		e.reserved++
	}
	e.mu.Unlock()
	g.start(reserve)
}

// start starts a server that holds a reservation if reserved.
func (g *governor) start(reserved bool) {
	e := g.e
	s := newServer(e.ln, e.app, &e.cfg, &govHooks{g: g, reserved: reserved}, &e.ctr)
	e.mu.Lock()
	if e.draining {
		if reserved {
			e.reserved--
		}
		e.mu.Unlock()
		return
	}
	e.waiting[s] = struct{}{}
	e.wg.Add(1)
	// Accept under the endpoint's lock, so that no Close from a drain
	// can come between: a fresh server cannot refuse.
	_, err := s.Accept(context.Background())
	e.mu.Unlock()
	if err != nil {
		panic("ace: fresh server refused to accept: " + err.Error())
	}
}

// govHooks is a server's line back to its governor.
type govHooks struct {
	g        *governor
	reserved bool
}

func (h *govHooks) accepted(s *Server) bool {
	g := h.g
	e := g.e
	e.mu.Lock()
	delete(e.waiting, s)
	admit := true
	switch {
	case e.draining:
		// The accept raced Drain, Shutdown or Close: a connection
		// taken now would escape them. No new connection is served
		// once draining has begun (rule E3).
		admit = false
	case e.cfg.RefuseAtLimit && e.limit > 0 && len(e.live) >= e.limit:
		admit = false
	default:
		e.live[s] = struct{}{}
	}
	e.mu.Unlock()
	g.backoff = 0
	// Rule G1: the next server starts at once, before any handshake.
	g.spawn()
	return admit
}

func (h *govHooks) poller() (*poller, *eventLoop) {
	e := h.g.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cfg.EventLoop {
		if lp := e.loopLocked(); lp != nil {
			return &lp.poller, lp
		}
	}
	if e.cfg.HibernateAfter <= 0 {
		return nil, nil
	}
	if e.hib == nil && e.hibErr == nil {
		e.hib, e.hibErr = newPoller(e.cfg.HibernateAfter, e.sweep)
		if e.hibErr != nil {
			e.cfg.Logger.Debug("ace: connections will not hibernate", "err", e.hibErr)
			return nil, nil
		}
		e.runPollerLocked(e.hib)
	}
	return e.hib, nil
}

// loopLocked returns the event loop for the next connection, making the
// loops, one per GOMAXPROCS, the first time; nil if they cannot be made.
func (e *Endpoint) loopLocked() *eventLoop {
	if e.loops == nil && e.loopErr == nil {
		n := runtime.GOMAXPROCS(0)
		for range n {
			lp, err := newEventLoop(e.cfg.ReadBufferSize)
			if err != nil {
				e.loopErr = err
				e.cfg.Logger.Debug("ace: no event loops; connections are served by goroutines", "err", err)
				for _, lp := range e.loops {
					lp.close()
				}
				e.loops = nil
				return nil
			}
			e.loops = append(e.loops, lp)
		}
		for _, lp := range e.loops {
			e.runPollerLocked(lp)
		}
	}
	if len(e.loops) == 0 {
		return nil
	}
	lp := e.loops[e.nextLoop%len(e.loops)]
	e.nextLoop++
	return lp
}

// runner is what an endpoint runs on a goroutine of its own: its
// hibernation poller and its event loops. run returns once close is called.
type runner interface {
	run()
	close()
}

// runPollerLocked starts a poller's goroutine, which ends when it is closed.
func (e *Endpoint) runPollerLocked(p runner) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		p.run()
	}()
}

// closePollers closes the hibernation poller and the event loops an
// endpoint no longer needs.
func closePollers(ps []runner) {
	for _, p := range ps {
		p.close()
	}
}

// sweep asks the servers whose connections moved nothing since the last
// sweep to hibernate; the hibernation poller's goroutine calls it.
func (e *Endpoint) sweep() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for s := range e.live {
		s.sweep()
	}
}

// idlePollersLocked returns the hibernation poller and the event loops,
// for the caller to close once it has released the lock, when the endpoint
// is draining and has no server left that could use them; nil otherwise.
func (e *Endpoint) idlePollersLocked() []runner {
	if !e.draining || len(e.live) > 0 || len(e.waiting) > 0 {
		return nil
	}
	var ps []runner
	for _, lp := range e.loops {
		ps = append(ps, lp)
	}
	e.loops = nil
	if e.hib != nil {
		ps = append(ps, e.hib)
		e.hib = nil
	}
	return ps
}

func (h *govHooks) ended(s *Server, hadConn bool, err error) {
	g := h.g
	e := g.e
	e.mu.Lock()
	delete(e.waiting, s)
	if _, ok := e.live[s]; ok {
		delete(e.live, s)
		e.ctr.bytesIn.Add(s.bytesIn.Load()) // see Stats
		e.ctr.bytesOut.Add(s.bytesOut.Load())
	}
	idle := e.idlePollersLocked()
	var resume *governor
	if h.reserved {
		e.reserved--
		if !e.draining && len(e.parked) > 0 && (e.limit == 0 || e.reserved < e.limit) {
			resume = e.parked[0]
			e.parked = e.parked[1:]
		}
	}
	draining := e.draining
	e.mu.Unlock()
	closePollers(idle)
	defer e.wg.Done()

	if resume != nil {
		resume.spawn()
	}
	if hadConn || draining {
		// Rule G3: a server that served a connection does not affect its
		// governor, which started the next one when it took it.
		return
	}
	switch {
	case errors.Is(err, net.ErrClosed):
		// The listener is gone: the governor stops.
		return
	case errors.Is(err, context.Canceled), errors.Is(err, ErrServerClosed):
		// Stopped on purpose (SetMaxConns, Server.Close): replace it
		// (rule G2), parking if the endpoint is at its limit.
		g.spawn()
		return
	}
	// Rule E6: retry accept errors with backoff, never fatal.
	if g.backoff == 0 {
		g.backoff = minBackoff
	} else if g.backoff *= 2; g.backoff > maxBackoff {
		g.backoff = maxBackoff
	}
	e.cfg.Logger.Warn("ace: accept failed; retrying", "err", err, "in", g.backoff)
	e.mu.Lock()
	if e.draining {
		e.mu.Unlock()
		return
	}
	e.wg.Add(1)
	var t *time.Timer
	t = time.AfterFunc(g.backoff, func() {
		defer e.wg.Done()
		e.mu.Lock()
		delete(e.timers, t)
		e.mu.Unlock()
		g.spawn()
	})
	e.timers[t] = struct{}{}
	e.mu.Unlock()
}
