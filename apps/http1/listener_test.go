package http1_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/http1"
	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loopbackListener adapts a TCP listener on 127.0.0.1 to core.Listener: apps
// may not import transports, so the tests bring their own. writes, when set,
// counts the writes to every connection it accepted.
//
// Accept checks ctx only before it blocks. The tests never need more: an
// endpoint closes its listener before anything else when it drains, which
// returns every pending Accept with an error wrapping net.ErrClosed.
type loopbackListener struct {
	*net.TCPListener
	writes *atomic.Int64
	raw    bool // accepted connections read through a core.RawReader
}

func listenLoopback(tb testing.TB) loopbackListener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	return loopbackListener{TCPListener: ln.(*net.TCPListener)}
}

func (l loopbackListener) Accept(ctx context.Context) (core.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	if l.raw {
		return newRawConn(c)
	}
	return loopbackConn{c, l.writes}, nil
}

// loopbackConn is an accepted connection; embedding *net.TCPConn keeps
// CloseWrite and vectored writes.
type loopbackConn struct {
	*net.TCPConn
	writes *atomic.Int64
}

func (c loopbackConn) Write(p []byte) (int, error) {
	if c.writes != nil {
		c.writes.Add(1)
	}
	return c.TCPConn.Write(p)
}

func (c loopbackConn) Info() core.ConnInfo {
	return core.ConnInfo{Transport: "tcp", LocalAddr: c.LocalAddr(), RemoteAddr: c.RemoteAddr()}
}

// testTimeout bounds every blocking step of a test.
const testTimeout = 10 * time.Second

// serve starts an endpoint serving h with cfg on a loopback port and
// returns its address. The endpoint is closed when the test ends.
func serve(tb testing.TB, h http.Handler, cfg http1.Config) string {
	tb.Helper()
	return start(tb, h, cfg).Addr().String()
}

// reuseAll makes every server that serve and start run reuse its requests
// (Config.ReuseRequests), when the environment has ACE_HTTP1_REUSE=1.
// tools/test.sh runs the package's tests a second time so, to check that
// reuse changes nothing that a handler within its contract can see.
var reuseAll = os.Getenv("ACE_HTTP1_REUSE") == "1"

// skipIfReuseAll skips a test, under reuseAll, whose handler keeps its
// request or ResponseWriter past its return, which ReuseRequests forbids.
func skipIfReuseAll(t *testing.T) {
	if reuseAll {
		t.Skip("the handler keeps its request past its return, against ReuseRequests' contract")
	}
}

// start is serve returning the endpoint.
func start(tb testing.TB, h http.Handler, cfg http1.Config) *core.Endpoint {
	tb.Helper()
	return startOn(tb, listenLoopback(tb), h, cfg)
}

// startRaw is start on connections that the server reads through a
// core.RawReader, as the TCP transport's (on Unix systems).
func startRaw(tb testing.TB, h http.Handler, cfg http1.Config) *core.Endpoint {
	tb.Helper()
	ln := listenLoopback(tb)
	ln.raw = true
	return startOn(tb, ln, h, cfg)
}

// startOn starts an endpoint serving h with cfg on ln, closed when the test
// ends.
func startOn(tb testing.TB, ln loopbackListener, h http.Handler, cfg http1.Config) *core.Endpoint {
	tb.Helper()
	if reuseAll {
		cfg.ReuseRequests = true
	}
	ep := core.Start(ln, http1.New(h, cfg), core.Config{Acceptors: 4})
	tb.Cleanup(func() {
		assert.NoError(tb, ep.Close(), "closing endpoint")
	})
	return ep
}

// client is a raw test connection.
type client struct {
	tb      testing.TB
	conn    *net.TCPConn
	r       *bufio.Reader
	interim []int // 1xx statuses received before the last response
}

// dial connects to addr. Every read and write must complete within
// testTimeout; the connection is closed when the test ends.
func dial(tb testing.TB, addr string) *client {
	tb.Helper()
	c, err := net.DialTimeout("tcp", addr, testTimeout)
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

// response reads one response to a request with the given method, and its
// whole body. Interim (1xx) responses before it are noted in c.interim.
func (c *client) response(method string) (*http.Response, string) {
	c.tb.Helper()
	c.interim = c.interim[:0]
	var resp *http.Response
	for {
		var err error
		resp, err = http.ReadResponse(c.r, &http.Request{Method: method})
		require.NoError(c.tb, err, "reading response")
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
		c.interim = append(c.interim, resp.StatusCode)
	}
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.tb, err, "reading response body")
	return resp, string(b)
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
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
		c.tb.Fatalf("want EOF, got %v", err)
	}
	_ = c.conn.Close() // the server lingers until the client closes too
}

// ping checks that the connection still serves requests.
func (c *client) ping() {
	c.tb.Helper()
	c.send("GET /ping HTTP/1.1\r\nHost: test\r\n\r\n")
	resp, body := c.response("GET")
	require.Equal(c.tb, http.StatusOK, resp.StatusCode, "ping")
	require.Equal(c.tb, "pong", body, "ping")
}

// await waits for ch to deliver or close, for at most testTimeout, so that a
// handler waiting for a test that failed cannot hang the endpoint's Close.
func await[T any](tb testing.TB, ch <-chan T) {
	tb.Helper()
	select {
	case <-ch:
	case <-time.After(testTimeout):
		tb.Errorf("nothing on the channel in %v", testTimeout)
	}
}
