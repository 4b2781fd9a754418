package conformance

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ace-go/ace/conformance/memory"
	"github.com/ace-go/ace/core"
)

// AppHarness describes an app for [RunApp]. Fields may be added in later
// versions; a zero field always keeps its documented default.
type AppHarness struct {
	// Name names the app in the suite's failure messages.
	Name string

	// App is the app under test. Required.
	App core.App

	// Config is the configuration the app is served with, for example its
	// Framer; when Framer is nil, the app's own Framer() method is used,
	// as core does. RunApp sets Acceptors and MaxConns.
	Config core.Config

	// Converse, when set, holds a short conversation with the app over a
	// fresh client connection (read its greeting, send a request, check
	// the reply) and returns an error if the app misbehaves. It must
	// leave the connection open. When nil, clients connect and say
	// nothing.
	Converse func(ctx context.Context, conn net.Conn) error

	// Timeout bounds each case; DefaultTimeout when 0.
	Timeout time.Duration
}

// appCases lists RunApp's cases.
var appCases = []struct {
	name string
	fn   func(*tcase, *AppHarness)
}{
	{"A1_ClientCloseEndsConnection", testAppClientClose},
	{"A2_ShutdownEndsConnections", testAppShutdown},
	{"A3_CloseForceEndsConnections", testAppClose},
}

// RunApp checks the lifecycle of an app, served by core.Start over the
// in-memory transport of package memory:
//
//   - A1: when a client closes its connection, the connection ends and no
//     goroutine of the app outlives it (rules S9, S10);
//   - A2: Shutdown ends every connection, because the app finishes and
//     closes when its Info callback receives core.Shutdown (rule E4);
//   - A3: Close ends every connection at once, whatever the app does.
//
// In every case, Disconnect must run exactly once for each connection
// whose Connect ran, no callback may panic, and no goroutine may be left
// behind. Like [Run], RunApp promises no false positives, should run with
// -race, and must not run in parallel with other tests.
func RunApp(t *testing.T, h AppHarness) {
	t.Helper()
	if h.App == nil {
		t.Fatal("conformance: AppHarness.App is required")
	}
	th := &Harness{Name: h.Name, Timeout: h.Timeout, Config: h.Config}
	for _, ac := range appCases {
		t.Run(ac.name, func(t *testing.T) {
			runCase(t, th, ac.name, func(c *tcase) { ac.fn(c, &h) })
		})
	}
}

// appWatch counts an app's callbacks, by wrapping its handlers.
type appWatch struct {
	app         core.App
	connects    atomic.Int64
	disconnects atomic.Int64
	mu          sync.Mutex
	repeated    int // handlers whose Disconnect ran more than once
}

func (w *appWatch) NewHandler(info core.ConnInfo) core.Handler {
	return &watchedHandler{Handler: w.app.NewHandler(info), w: w}
}

type watchedHandler struct {
	core.Handler
	w           *appWatch
	disconnects int // only touched by Disconnect, which never runs concurrently
}

func (h *watchedHandler) Connect(s *core.Server, info core.ConnInfo) core.Action {
	h.w.connects.Add(1)
	return h.Handler.Connect(s, info)
}

func (h *watchedHandler) Disconnect(reason error) {
	h.disconnects++
	if h.disconnects == 2 {
		h.w.mu.Lock()
		h.w.repeated++
		h.w.mu.Unlock()
	}
	h.w.disconnects.Add(1)
	h.Handler.Disconnect(reason)
}

// appEndpoint serves h's app on a memory listener and returns the endpoint,
// the listener, and the watch over the app's handlers.
func appEndpoint(c *tcase, h *AppHarness) (*core.Endpoint, *memory.Listener, *appWatch) {
	cfg := h.Config
	if cfg.Framer == nil {
		if fa, ok := h.App.(interface{ Framer() core.Framer }); ok {
			cfg.Framer = fa.Framer()
		}
	}
	cfg.Acceptors = 2
	cfg.MaxConns = 0
	cfg.Logger = c.config().Logger
	ln := memory.Listen("app")
	w := &appWatch{app: h.App}
	e := core.Start(ln, w, cfg)
	c.onRelease(func() {
		if !within(c.timeout, func() { _ = e.Close() }) {
			c.errorf("Endpoint.Close did not return within %v", c.timeout)
		}
		c.checkApp(e, w)
	})
	if !c.poll(func() bool { return e.Stats().Accepting == 2 }) {
		c.failf("the endpoint did not start its servers; stats: %+v", e.Stats())
	}
	return e, ln, w
}

// checkApp checks what every case requires of the app once its endpoint
// has ended.
func (c *tcase) checkApp(e *core.Endpoint, w *appWatch) {
	if n := e.Stats().Panicked; n != 0 {
		c.errorf("the app panicked %d time(s); see the logs (rule S12)", n)
	}
	if cn, dn := w.connects.Load(), w.disconnects.Load(); cn != dn {
		c.errorf("Connect ran %d times and Disconnect %d times (rule S9)", cn, dn)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.repeated > 0 {
		c.errorf("Disconnect ran more than once for %d connection(s) (rule S9)", w.repeated)
	}
}

// appClient dials ln and holds the harness's conversation.
func appClient(c *tcase, h *AppHarness, ln *memory.Listener) net.Conn {
	c.t.Helper()
	conn, err := ln.Dial(c.ctx)
	if err != nil {
		c.failf("dialing the app: %v", err)
	}
	c.onRelease(func() { _ = conn.Close() })
	_ = conn.SetDeadline(c.deadline())
	if h.Converse != nil {
		if err := h.Converse(c.ctx, conn); err != nil {
			c.failf("AppHarness.Converse: %v", err)
		}
	}
	return conn
}

// drain reads conn until it ends, on its own goroutine, and reports the
// error that ended it (nil for EOF).
func drain(conn net.Conn) <-chan error {
	ch := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, conn)
		ch <- err
	}()
	return ch
}

// A1: a client that closes ends its connection, and nothing of it remains.
func testAppClientClose(c *tcase, h *AppHarness) {
	e, ln, w := appEndpoint(c, h)
	base := runtime.NumGoroutine()
	for i := range 3 {
		conn := appClient(c, h, ln)
		_ = conn.Close()
		if !c.poll(func() bool { st := e.Stats(); return st.Active == 0 && st.Closed == uint64(i+1) }) {
			c.failf("the client closed, but the connection did not end; stats: %+v (rule S9)", e.Stats())
		}
		if cn, dn := w.connects.Load(), w.disconnects.Load(); cn != dn {
			c.errorf("the client closed, but Disconnect did not run (Connect ran %d times, Disconnect %d) (rule S9)", cn, dn)
		}
	}
	if n, ok := waitGoroutines(base, time.Until(c.deadline())); !ok {
		c.errorf("clients closed and their connections ended, but %d goroutine(s) run, %d before they connected (rule S10); goroutines:\n%s",
			n, base, allStacks())
	}
}

// A2: Shutdown ends every connection, the app closing each politely.
func testAppShutdown(c *tcase, h *AppHarness) {
	e, ln, _ := appEndpoint(c, h)
	var drains []<-chan error
	for range 3 {
		drains = append(drains, drain(appClient(c, h, ln)))
	}
	sctx, cancel := context.WithDeadline(c.ctx, c.deadline().Add(-c.timeout/4))
	defer cancel()
	var err error
	var stacks string
	if !within(c.timeout, func() { err = e.Shutdown(sctx); stacks = allStacks() }) {
		c.failf("Shutdown did not return within %v (rule E4); goroutines:\n%s", c.timeout, allStacks())
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		c.errorf("Shutdown had to force-close connections: the app did not close them when its Info callback received core.Shutdown (rule E4); goroutines when it returned:\n%s", stacks)
	case err != nil:
		c.errorf("Shutdown: %v (rule E4)", err)
	}
	for i, d := range drains {
		select {
		case err := <-d:
			if err != nil && !errors.Is(err, io.ErrClosedPipe) {
				c.errorf("client %d: the connection ended with %v (rule E4)", i+1, err)
			}
		case <-c.ctx.Done():
			c.errorf("client %d: the connection did not end after Shutdown (rule E4)", i+1)
		}
	}
	if st := e.Stats(); st.Active != 0 || st.Accepting != 0 {
		c.errorf("Shutdown returned with servers running; stats: %+v (rule E4)", st)
	}
}

// A3: Close ends every connection at once.
func testAppClose(c *tcase, h *AppHarness) {
	e, ln, _ := appEndpoint(c, h)
	var drains []<-chan error
	for range 3 {
		drains = append(drains, drain(appClient(c, h, ln)))
	}
	if !within(c.timeout, func() { _ = e.Close() }) {
		c.failf("Close did not return within %v; goroutines:\n%s", c.timeout, allStacks())
	}
	for i, d := range drains {
		select {
		case <-d:
		case <-c.ctx.Done():
			c.errorf("client %d: the connection did not end after Close", i+1)
		}
	}
	if st := e.Stats(); st.Active != 0 || st.Accepting != 0 {
		c.errorf("Close returned with servers running; stats: %+v", st)
	}
	if _, err := ln.Dial(c.ctx); err == nil {
		c.errorf("a client could connect after Close")
	}
}
