package core_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
)

// wait is how long a test waits for an event before failing, and tick how
// often require.Eventually looks in the meantime.
const (
	wait = 5 * time.Second
	tick = time.Millisecond
)

// probe is a handler whose callbacks tests set, and which records events.
type probe struct {
	connect    func(s *core.Server, info core.ConnInfo) core.Action
	packet     func(data []byte) core.Action
	info       func(msg any) core.Action
	events     chan string
	disconnect chan error

	mu     sync.Mutex
	inCall bool
}

func newProbe() *probe {
	return &probe{events: make(chan string, 1024), disconnect: make(chan error, 16)}
}

func (p *probe) enter(t string) {
	p.mu.Lock()
	if p.inCall {
		p.mu.Unlock()
		panic("concurrent callbacks: " + t)
	}
	p.inCall = true
	p.mu.Unlock()
}

func (p *probe) leave() {
	p.mu.Lock()
	p.inCall = false
	p.mu.Unlock()
}

func (p *probe) Connect(s *core.Server, info core.ConnInfo) core.Action {
	p.enter("connect")
	defer p.leave()
	p.events <- "connect"
	if p.connect != nil {
		return p.connect(s, info)
	}
	return core.Continue()
}

func (p *probe) Packet(data []byte) core.Action {
	p.enter("packet")
	defer p.leave()
	p.events <- "packet:" + string(data)
	if p.packet != nil {
		return p.packet(data)
	}
	return core.Send(data)
}

func (p *probe) Info(msg any) core.Action {
	p.enter("info")
	defer p.leave()
	p.events <- fmt.Sprintf("info:%v", msg)
	if p.info != nil {
		return p.info(msg)
	}
	if _, ok := msg.(core.Shutdown); ok {
		return core.Close([]byte("bye\n"))
	}
	return core.Continue()
}

func (p *probe) Disconnect(reason error) {
	p.enter("disconnect")
	defer p.leave()
	p.disconnect <- reason
}

// event waits for the next event of p.
func (p *probe) event(t *testing.T) string {
	t.Helper()
	select {
	case e := <-p.events:
		return e
	case <-time.After(wait):
		t.Fatal("no event")
		return ""
	}
}

// reason waits for Disconnect and returns its reason.
func (p *probe) reason(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.disconnect:
		return err
	case <-time.After(wait):
		t.Fatal("Disconnect did not run")
		return nil
	}
}

// closeOnTimeout is an Info callback that answers a Timeout with
// "timeout\n" and closes.
func closeOnTimeout(msg any) core.Action {
	if _, ok := msg.(core.Timeout); ok {
		return core.Close([]byte("timeout\n"))
	}
	return core.Continue()
}

// probeApp makes one probe per connection and hands each to the test.
type probeApp struct {
	make   func() *probe
	probes chan *probe
}

func newProbeApp(mk func() *probe) *probeApp {
	if mk == nil {
		mk = newProbe
	}
	return &probeApp{make: mk, probes: make(chan *probe, 256)}
}

func (a *probeApp) NewHandler(core.ConnInfo) core.Handler {
	p := a.make()
	a.probes <- p
	return p
}

func (a *probeApp) next(t *testing.T) *probe {
	t.Helper()
	select {
	case p := <-a.probes:
		return p
	case <-time.After(wait):
		t.Fatal("no connection served")
		return nil
	}
}

// client is a test client with a deadline on every operation.
type client struct {
	t *testing.T
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr net.Addr) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr.String(), wait)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return &client{t: t, Conn: c, r: bufio.NewReader(c)}
}

func (c *client) send(s string) {
	c.t.Helper()
	_ = c.SetWriteDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *client) line() string {
	c.t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	s, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read line: %v (got %q)", err, s)
	}
	return strings.TrimSuffix(s, "\n")
}

func (c *client) readN(n int) string {
	c.t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	b := make([]byte, n)
	if _, err := io.ReadFull(c.r, b); err != nil {
		c.t.Fatalf("read %d bytes: %v (got %q)", n, err, b)
	}
	return string(b)
}

// eof asserts that the server closed the connection, after want.
// echoPaced sends "x" n times, gap apart, and reads each echo back. It
// returns when the last echo arrived. The gaps only pace the packets.
func (c *client) echoPaced(n int, gap time.Duration) time.Time {
	c.t.Helper()
	for i := range n {
		if i > 0 {
			<-time.After(gap)
		}
		c.send("x")
		if got := c.readN(1); got != "x" {
			c.t.Fatalf("packet %d: echo %q", i, got)
		}
	}
	return time.Now()
}

func (c *client) eof(want string) {
	c.t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	b, err := io.ReadAll(c.r)
	if err != nil {
		c.t.Fatalf("read to EOF: %v (got %q)", err, b)
	}
	if string(b) != want {
		c.t.Fatalf("before EOF got %q, want %q", b, want)
	}
}

// serve starts a standalone server on a fresh test listener.
func serve(t *testing.T, app core.App, cfg core.Config) (*core.Server, *testListener) {
	t.Helper()
	ln := listenTCP(t)
	t.Cleanup(func() { _ = ln.Close() })
	s := core.NewServer(ln, app, cfg)
	t.Cleanup(func() {
		_ = s.Close()
		waitDone(t, s)
	})
	return s, ln
}

func waitDone(t *testing.T, s *core.Server) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(wait):
		t.Fatal("server did not end")
	}
}

func ctxWait(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}
