package echo_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loopbackListener adapts a TCP listener on 127.0.0.1 to core.Listener: apps
// may not import transports, so the tests bring their own.
//
// Accept checks ctx only before it blocks: a cancellation does not interrupt
// an Accept in progress. These tests never need it to, because an endpoint
// closes its listener before anything else when it drains, and that returns
// every pending Accept with an error wrapping net.ErrClosed.
type loopbackListener struct {
	*net.TCPListener
}

func listenLoopback(tb testing.TB) loopbackListener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	return loopbackListener{ln.(*net.TCPListener)}
}

func (l loopbackListener) Accept(ctx context.Context) (core.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	return newLoopbackConn(c)
}

func (c loopbackConn) Info() core.ConnInfo {
	return core.ConnInfo{Transport: "tcp", LocalAddr: c.LocalAddr(), RemoteAddr: c.RemoteAddr()}
}

// testTimeout bounds every blocking step of a test.
const testTimeout = 10 * time.Second

// onLoops runs every endpoint the tests start on event loops
// (core.Config.EventLoop), when the environment has ACE_EVENT_LOOP=1: the
// echo app's callbacks never block, so it must behave the same there.
var onLoops = os.Getenv("ACE_EVENT_LOOP") == "1"

// serve starts an endpoint serving app on a loopback port. The endpoint is
// closed when the test ends, which waits for every server goroutine.
func serve(tb testing.TB, app core.App) *core.Endpoint {
	tb.Helper()
	ep := core.Start(listenLoopback(tb), app, core.Config{Acceptors: 2, EventLoop: onLoops})
	tb.Cleanup(func() {
		assert.NoError(tb, ep.Close(), "closing endpoint")
	})
	return ep
}

// client is one test connection with a line reader.
type client struct {
	tb   testing.TB
	conn *net.TCPConn
	r    *bufio.Reader
}

// dial connects to ep. Every read and write must complete within
// testTimeout; the connection is closed when the test ends.
func dial(tb testing.TB, ep *core.Endpoint) *client {
	tb.Helper()
	c, err := net.DialTimeout("tcp", ep.Addr().String(), testTimeout)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = c.Close() })
	require.NoError(tb, c.SetDeadline(time.Now().Add(testTimeout)))
	return &client{tb: tb, conn: c.(*net.TCPConn), r: bufio.NewReader(c)}
}

// send writes s as is.
func (c *client) send(s string) {
	c.tb.Helper()
	_, err := io.WriteString(c.conn, s)
	require.NoError(c.tb, err, "send %q", s)
}

// line reads one LF-terminated line and returns it without its terminator.
func (c *client) line() string {
	c.tb.Helper()
	s, err := c.r.ReadString('\n')
	require.NoError(c.tb, err, "reading a line: got %q", s)
	return s[:len(s)-1]
}

// expect reads one line and checks it is want.
func (c *client) expect(want string) {
	c.tb.Helper()
	assert.Equal(c.tb, want, c.line(), "line")
}

// expectEOF checks that the server has closed the connection with nothing
// more to say.
func (c *client) expectEOF() {
	c.tb.Helper()
	b, err := c.r.ReadByte()
	if err == nil {
		rest, _ := c.r.Peek(c.r.Buffered())
		c.tb.Fatalf("want EOF, got more data: %q", append([]byte{b}, rest...))
	}
	require.ErrorIs(c.tb, err, io.EOF)
}
