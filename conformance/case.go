package conformance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
)

// tcase is one running case: the rule it checks, its deadline, and the
// resources to release when it ends or when its watchdog fires.
type tcase struct {
	t       *testing.T
	h       *Harness
	rule    string // "S7" for the case "S7_Timeout"
	ctx     context.Context
	timeout time.Duration
	logs    *logCapture

	mu       sync.Mutex
	closers  []*closer
	finished bool
	stage2   *time.Timer
}

// closer releases one resource, once, however many times it is called.
type closer struct {
	once sync.Once
	f    func()
}

func (c *closer) run() { c.once.Do(c.f) }

// runCase runs fn as the case name under a watchdog, then releases what the
// case left and checks that its goroutines are gone.
func runCase(t *testing.T, h *Harness, name string, fn func(*tcase)) {
	base := runtime.NumGoroutine()
	timeout := h.timeout()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	rule, _, _ := strings.Cut(name, "_")
	c := &tcase{t: t, h: h, rule: rule, ctx: ctx, timeout: timeout}
	c.logs = newLogCapture(h.Config.Logger)

	// The case's own deadline is timeout, and every wait in it honours
	// ctx; the watchdog fires only if the case ignores it, that is if a
	// call into the implementation hangs.
	watchdog := time.AfterFunc(timeout+timeout/2, func() { c.watchdogFired(cancel) })
	defer func() {
		watchdog.Stop()
		c.releaseAll()
		cancel()
		if n, ok := waitGoroutines(base, timeout); !ok {
			c.errorf("%d goroutine(s) still running %v after the case ended, %d at its start (no goroutine may outlive its server, S10); goroutines:\n%s",
				n, timeout, base, allStacks())
		}
		c.mu.Lock()
		c.finished = true
		if c.stage2 != nil {
			c.stage2.Stop()
		}
		c.mu.Unlock()
	}()
	fn(c)
}

// watchdogFired reports a case that did not return in time, and releases its
// resources to unblock it. If the case is still stuck after another timeout,
// it panics, naming the case, so that CI fails rather than hangs.
func (c *tcase) watchdogFired(cancel context.CancelFunc) {
	c.mu.Lock()
	if c.finished {
		c.mu.Unlock()
		return
	}
	name := c.t.Name()
	c.t.Errorf("%s: watchdog: the case %s [%s] did not return within %v; closing its resources (a call into the implementation hangs); goroutines:\n%s",
		c.rule, name, c.h.Name, c.timeout+c.timeout/2, allStacks())
	c.stage2 = time.AfterFunc(c.timeout, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.finished {
			return
		}
		panic(fmt.Sprintf("conformance: %s [%s]: rule %s: the case is still hung %v after its watchdog fired and closed its resources; goroutines:\n%s",
			name, c.h.Name, c.rule, c.timeout, allStacks()))
	})
	c.mu.Unlock()
	cancel()
	go c.releaseAll()
}

// errorf reports a broken rule: the message starts with the case's rule.
// A message that already names a rule ("S4: ...") keeps it.
func (c *tcase) errorf(format string, args ...any) {
	c.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if !namesRule(msg) {
		msg = c.rule + ": " + msg
	}
	c.t.Error(msg)
}

// namesRule reports whether msg starts with a rule number and a colon, as
// "S10: ...".
func namesRule(msg string) bool {
	head, _, ok := strings.Cut(msg, ": ")
	if !ok || len(head) < 2 || len(head) > 3 || !strings.Contains("SGETA", head[:1]) {
		return false
	}
	_, err := strconv.Atoi(head[1:])
	return err == nil
}

// failf reports a broken rule after which the case cannot go on.
func (c *tcase) failf(format string, args ...any) {
	c.t.Helper()
	c.errorf(format, args...)
	c.t.FailNow()
}

// setupf reports a failure of the harness itself, not of a rule.
func (c *tcase) setupf(format string, args ...any) {
	c.t.Helper()
	c.t.Fatalf("%s: setup: %s", c.rule, fmt.Sprintf(format, args...))
}

// onRelease registers f to run when the case ends (last registered, first
// run) or when its watchdog fires.
func (c *tcase) onRelease(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closers = append(c.closers, &closer{f: f})
}

func (c *tcase) releaseAll() {
	c.mu.Lock()
	cl := append([]*closer(nil), c.closers...)
	c.mu.Unlock()
	for i := len(cl) - 1; i >= 0; i-- {
		cl[i].run()
	}
}

// within runs f on its own goroutine and reports whether it returned within
// d. If it did not, f's goroutine is left behind, and the leak check of the
// case reports it.
func within(d time.Duration, f func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// poll calls cond every millisecond until it holds or d elapses, and
// reports whether it held. It is for conditions no event announces:
// goroutine counts and stats.
func poll(d time.Duration, cond func() bool) bool {
	if cond() {
		return true
	}
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if cond() {
				return true
			}
		case <-deadline.C:
			return cond()
		}
	}
}

// pollCtx is poll bounded by the case's deadline.
func (c *tcase) poll(cond func() bool) bool {
	d := time.Until(c.deadline())
	if d < 0 {
		d = 0
	}
	return poll(d, cond)
}

func (c *tcase) deadline() time.Time {
	d, _ := c.ctx.Deadline()
	return d
}

// waitGoroutines waits until at most base goroutines run, for up to d. It
// returns the last count and whether it got there.
func waitGoroutines(base int, d time.Duration) (int, bool) {
	n := runtime.NumGoroutine()
	ok := poll(d, func() bool {
		n = runtime.NumGoroutine()
		return n <= base
	})
	return n, ok
}

// allStacks returns the stacks of every goroutine.
func allStacks() string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

// config returns the harness's base configuration with the suite's framer,
// mailbox and logger.
func (c *tcase) config() core.Config {
	cfg := c.h.Config
	cfg.Framer = core.Lines(1024)
	cfg.MailboxSize = 0
	cfg.Acceptors = 0
	cfg.MaxConns = 0
	cfg.RefuseAtLimit = false
	cfg.Logger = slog.New(c.logs)
	return cfg
}

// listen returns a fresh listener from the harness, closed when the case ends.
func (c *tcase) listen() core.Listener {
	c.t.Helper()
	ln, err := c.h.Listen(c.ctx)
	if err != nil {
		c.setupf("Harness.Listen: %v", err)
	}
	if ln == nil {
		c.setupf("Harness.Listen returned a nil listener")
	}
	c.onRelease(func() { _ = ln.Close() })
	return ln
}

// newServer returns a server made with core.NewServer, closed and awaited
// when the case ends.
func (c *tcase) newServer(ln core.Listener, rec *recorder, cfg core.Config) *core.Server {
	s := core.NewServer(ln, probeApp{rec}, cfg)
	c.onRelease(func() {
		_ = s.Close()
		if !within(c.timeout, func() { <-s.Done() }) {
			c.errorf("server did not end within %v of Close (S10)", c.timeout)
		}
	})
	return s
}

// accept asks s to accept and fails the case if it refuses.
func (c *tcase) accept(s *core.Server) *core.AcceptRef {
	c.t.Helper()
	ref, err := s.Accept(c.ctx)
	if err != nil {
		c.failf("Server.Accept on a fresh server: %v", err)
	}
	if ref == nil {
		c.failf("Server.Accept returned a nil reference")
	}
	return ref
}

// await waits for ref and fails the case if no connection comes.
func (c *tcase) await(ref *core.AcceptRef) core.ConnInfo {
	c.t.Helper()
	info, err := ref.Await(c.ctx)
	if err != nil {
		c.failf("awaiting the accept reference: %v", err)
	}
	return info
}

// start starts an endpoint, closed when the case ends.
func (c *tcase) start(ln core.Listener, rec *recorder, cfg core.Config) *core.Endpoint {
	e := core.Start(ln, probeApp{rec}, cfg)
	c.onRelease(func() {
		if !within(c.timeout, func() { _ = e.Close() }) {
			c.errorf("Endpoint.Close did not return within %v", c.timeout)
		}
	})
	return e
}

// client is the suite's end of one connection.
type client struct {
	c    *tcase
	conn net.Conn
	r    *bufio.Reader
	id   int // the probe's connection id, from the greeting
}

// dialResult is what dialAsync delivers.
type dialResult struct {
	conn net.Conn
	err  error
}

// dialAsync dials addr on its own goroutine, for clients that wait to be
// accepted. The connection, if any, is closed when the case ends.
func (c *tcase) dialAsync(addr net.Addr) <-chan dialResult {
	ch := make(chan dialResult, 1)
	go func() {
		conn, err := c.h.Dial(c.ctx, addr)
		if err == nil {
			c.onRelease(func() { _ = conn.Close() })
		}
		ch <- dialResult{conn, err}
	}()
	return ch
}

// dialRaw dials addr and fails the case if it cannot.
func (c *tcase) dialRaw(addr net.Addr) net.Conn {
	c.t.Helper()
	return c.awaitDial(c.dialAsync(addr), fmt.Sprintf("Harness.Dial to %v did not complete", addr))
}

// awaitDial waits for the dial behind ch and returns its connection. It
// fails the case, saying what did not happen, if the dial does not complete
// in time, and if it fails.
func (c *tcase) awaitDial(ch <-chan dialResult, what string) net.Conn {
	c.t.Helper()
	var res dialResult
	select {
	case res = <-ch:
	case <-c.ctx.Done():
		c.failf("%s: %v", what, c.ctx.Err())
	}
	if res.err != nil {
		c.failf("Harness.Dial: %v", res.err)
	}
	return res.conn
}

// wrap makes a client of conn, without reading anything.
func (c *tcase) wrap(conn net.Conn) *client {
	_ = conn.SetDeadline(c.deadline())
	return &client{c: c, conn: conn, r: bufio.NewReader(conn)}
}

// dial dials addr and reads the probe's greeting.
func (c *tcase) dial(addr net.Addr) *client {
	c.t.Helper()
	cl := c.wrap(c.dialRaw(addr))
	cl.greeting()
	return cl
}

// greeting reads "hello <id>" and learns the connection's id.
func (cl *client) greeting() {
	cl.c.t.Helper()
	line, err := cl.line()
	if err != nil {
		cl.c.failf("S4: reading the greeting the probe sends on Connect: %v", err)
	}
	id, ok := strings.CutPrefix(line, "hello ")
	n, err := strconv.Atoi(id)
	if !ok || err != nil {
		cl.c.failf("S4: the first line the client received is %q, want the greeting \"hello <id>\" sent by Connect", line)
	}
	cl.id = n
}

// line reads one line, without its terminator.
func (cl *client) line() (string, error) {
	s, err := cl.r.ReadString('\n')
	if err != nil {
		if s != "" {
			return "", fmt.Errorf("%w after the partial line %q", err, s)
		}
		return "", err
	}
	return strings.TrimSuffix(s, "\n"), nil
}

// send writes one line.
func (cl *client) send(line string) bool {
	cl.c.t.Helper()
	if _, err := io.WriteString(cl.conn, line+"\n"); err != nil {
		cl.c.errorf("conn %d: writing %q: %v", cl.id, line, err)
		return false
	}
	return true
}

// expect reads one line and reports whether it is want.
func (cl *client) expect(want, why string) bool {
	cl.c.t.Helper()
	got, err := cl.line()
	if err != nil {
		cl.c.errorf("%s: conn %d: reading %q: %v", why, cl.id, want, err)
		return false
	}
	if got != want {
		cl.c.errorf("%s: conn %d: got %q, want %q", why, cl.id, got, want)
		return false
	}
	return true
}

// roundTrip sends a line and expects its echo.
func (cl *client) roundTrip(line, why string) bool {
	cl.c.t.Helper()
	return cl.send(line) && cl.expect("echo: "+line, why)
}

// expectClosed reads until the connection ends and reports whether it ended
// (EOF or another non-timeout error) with no more bytes.
func (cl *client) expectClosed(why string) bool {
	cl.c.t.Helper()
	data, err := io.ReadAll(cl.r)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		cl.c.errorf("%s: conn %d: the connection was not closed within the case's deadline (read %q)", why, cl.id, data)
		return false
	case len(data) > 0:
		cl.c.errorf("%s: conn %d: received %q, want the connection closed with nothing more", why, cl.id, data)
		return false
	}
	return true
}

// close closes the client's connection.
func (cl *client) close() { _ = cl.conn.Close() }

// rec returns the record of the client's connection.
func (cl *client) rec(r *recorder) *connRec {
	cr := r.conn(cl.id)
	if cr == nil {
		cl.c.failf("the probe has no record of connection %d", cl.id)
	}
	return cr
}

// server returns the server of the client's connection.
func (cl *client) server(r *recorder) *core.Server {
	cl.c.t.Helper()
	cr := cl.rec(r)
	r.mu.Lock()
	defer r.mu.Unlock()
	return cr.server
}

// checkProbe reports every breach the probe's callbacks recorded.
func (c *tcase) checkProbe(r *recorder) {
	c.t.Helper()
	for _, v := range r.violations() {
		c.t.Error(v)
	}
}

// waitDisconnect waits until connection id's Disconnect ran and returns its
// record.
func (c *tcase) waitDisconnect(r *recorder, id int, why string) (connRec, bool) {
	c.t.Helper()
	if !r.waitDisconnected(c.ctx, id) {
		c.errorf("%s: conn %d: Disconnect did not run: %v", why, id, c.ctx.Err())
		return connRec{}, false
	}
	return r.snapshot(id), true
}
