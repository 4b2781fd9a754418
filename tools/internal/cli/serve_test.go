package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitTimeout bounds every wait of these tests, so a hang fails rather than
// stalling the run.
const waitTimeout = 10 * time.Second

// started is a serve running in the background.
type started struct {
	addr, debug net.Addr
	log         *lockedBuffer
	cancel      context.CancelFunc
	done        chan error // receives serve's result
}

// startServe runs serve with c in the background until stop is called or
// the test ends, and waits until it listens.
func startServe(t *testing.T, c serveConfig) *started {
	t.Helper()
	s := &started{log: new(lockedBuffer), done: make(chan error, 1)}
	ready := make(chan struct{})
	c.ready = func(addr, debug net.Addr) {
		s.addr, s.debug = addr, debug
		close(ready)
	}
	c.log = slog.New(slog.NewTextHandler(s.log, nil))
	c.core.Logger = c.log
	ctx, cancel := context.WithCancelCause(context.Background())
	s.cancel = func() { cancel(errors.New("test says stop")) }
	go func() { s.done <- serve(ctx, c) }()
	t.Cleanup(func() {
		s.cancel()
		select {
		case <-s.done:
		case <-time.After(waitTimeout):
			t.Errorf("serve did not return; log:\n%s", s.log)
		}
	})
	select {
	case <-ready:
	case err := <-s.done:
		t.Fatalf("serve returned %v before listening; log:\n%s", err, s.log)
	case <-time.After(waitTimeout):
		t.Fatalf("serve did not listen; log:\n%s", s.log)
	}
	return s
}

// stop cancels serve's context and returns what serve returned.
func (s *started) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(waitTimeout):
		t.Fatalf("serve did not return; log:\n%s", s.log)
		return nil
	}
}

// dial connects to addr and returns the connection with a reader of lines.
func dial(t *testing.T, addr net.Addr) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout(addr.Network(), addr.String(), waitTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(waitTimeout)))
	return c, bufio.NewReader(c)
}

// expectLine reads one line and fails unless it is want.
func expectLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	line, err := r.ReadString('\n')
	require.NoError(t, err, "reading %q: got %q", want, line)
	require.Equal(t, want, strings.TrimSuffix(line, "\n"), "line")
}

// expectEOF fails unless the peer has closed the connection.
func expectEOF(t *testing.T, r *bufio.Reader) {
	t.Helper()
	b, err := r.ReadByte()
	require.Error(t, err, "read %q, want the connection closed", b)
}

// parseEcho parses `ace serve echo` flags, failing the test on an error.
func parseEcho(t *testing.T, args ...string) serveConfig {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c, code := parseServe(echoSpec, args, &stdout, &stderr)
	require.Equal(t, -1, code, "parseServe(%q): %s", args, stderr.String())
	return c
}

// TestServeGraceful serves echo, with a greeting from the flags, and checks
// that stopping says BYE to every live client and returns nil.
func TestServeGraceful(t *testing.T) {
	s := startServe(t, parseEcho(t, "--listen", "127.0.0.1:0", "--greeting", "HELLO", "--acceptors", "2"))
	assert.Nil(t, s.debug, "debug server without --debug-addr")
	c1, r1 := dial(t, s.addr)
	expectLine(t, r1, "HELLO")
	_, r2 := dial(t, s.addr)
	expectLine(t, r2, "HELLO")
	_, err := io.WriteString(c1, "  hi  \r\n")
	require.NoError(t, err)
	expectLine(t, r1, "ECHO: hi")

	require.NoError(t, s.stop(t), "serve")
	for _, r := range []*bufio.Reader{r1, r2} {
		expectLine(t, r, "BYE")
		expectEOF(t, r)
	}
	log := s.log.String()
	for _, want := range []string{
		`msg="ace: listening" transport=tcp addr=` + s.addr.String() + " app=echo mode=line",
		`msg="ace: shutting down" reason="test says stop" active=2`,
		`msg="ace: stopped" accepted=2 closed=2 panicked=0`,
	} {
		assert.Contains(t, log, want)
	}
	assert.NotContains(t, log, "force-closed", "graceful shutdown")
	// The listener is closed: new clients are refused.
	if c, err := net.DialTimeout("tcp", s.addr.String(), waitTimeout); !assert.Error(t, err, "dial after shutdown") {
		c.Close()
	}
}

// TestServeEventLoop serves echo, in both modes, from event loops
// (--event-loop), and checks a round trip and a graceful stop.
func TestServeEventLoop(t *testing.T) {
	t.Run("line", func(t *testing.T) {
		s := startServe(t, parseEcho(t, "--listen", "127.0.0.1:0", "--greeting", "HELLO", "--event-loop"))
		c, r := dial(t, s.addr)
		expectLine(t, r, "HELLO")
		_, err := io.WriteString(c, "hi\n")
		require.NoError(t, err)
		expectLine(t, r, "ECHO: hi")
		_, err = io.WriteString(c, "again\r\n")
		require.NoError(t, err)
		expectLine(t, r, "ECHO: again")
		require.NoError(t, s.stop(t), "serve")
		expectLine(t, r, "BYE")
		expectEOF(t, r)
		log := s.log.String()
		for _, want := range []string{
			`msg="ace: listening" transport=tcp addr=` + s.addr.String() + " app=echo mode=line event_loop=true",
			`msg="ace: stopped" accepted=1 closed=1 panicked=0`,
		} {
			assert.Contains(t, log, want)
		}
	})
	t.Run("raw", func(t *testing.T) {
		s := startServe(t, parseEcho(t, "--listen", "127.0.0.1:0", "--mode", "raw", "--event-loop"))
		c, r := dial(t, s.addr)
		_, err := io.WriteString(c, "raw bytes\n")
		require.NoError(t, err)
		expectLine(t, r, "raw bytes")
		require.NoError(t, s.stop(t), "serve")
		expectEOF(t, r)
		assert.Contains(t, s.log.String(), "app=echo mode=raw event_loop=true")
	})
}

// TestServeUnix serves echo on a Unix socket.
func TestServeUnix(t *testing.T) {
	path := t.TempDir() + "/ace.sock"
	s := startServe(t, parseEcho(t, "--listen", "unix:"+path, "--acceptors", "1"))
	require.Equal(t, "unix", s.addr.Network())
	require.Equal(t, path, s.addr.String())
	c, r := dial(t, s.addr)
	expectLine(t, r, "WELCOME")
	_, err := io.WriteString(c, "/quit\n")
	require.NoError(t, err)
	expectLine(t, r, "BYE")
	expectEOF(t, r)
	require.NoError(t, s.stop(t), "serve")
	assert.Contains(t, s.log.String(), `transport=unix addr=`+path)
}

// stubborn is an app whose handler ignores the shutdown notice, so only the
// shutdown timeout can end its connections.
type stubborn struct {
	reasons chan error // Disconnect's reason, for every connection
}

func (a stubborn) NewHandler(core.ConnInfo) core.Handler { return stubbornHandler{a} }

type stubbornHandler struct{ a stubborn }

func (stubbornHandler) Connect(*core.Server, core.ConnInfo) core.Action {
	return core.Send([]byte("hi\n"))
}
func (stubbornHandler) Packet([]byte) core.Action { return core.Continue() }
func (stubbornHandler) Info(any) core.Action      { return core.Continue() }
func (h stubbornHandler) Disconnect(reason error) { h.a.reasons <- reason }

// TestServeForceClose checks that a connection that outlives the shutdown
// timeout is force-closed, that serve says so in its log, and that it still
// returns nil (exit status 0).
func TestServeForceClose(t *testing.T) {
	app := stubborn{reasons: make(chan error, 1)}
	s := startServe(t, serveConfig{
		listen:          "127.0.0.1:0",
		transport:       transportSpec{kind: transportTCP},
		app:             app,
		core:            core.Config{Acceptors: 1},
		shutdownTimeout: 50 * time.Millisecond,
	})
	_, r := dial(t, s.addr)
	expectLine(t, r, "hi")
	start := time.Now()
	require.NoError(t, s.stop(t), "serve")
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "serve returned before the shutdown timeout")
	expectEOF(t, r)
	select {
	case reason := <-app.reasons:
		assert.ErrorIs(t, reason, core.ErrForcedClose, "Disconnect's reason")
	default:
		t.Error("Disconnect did not run before serve returned")
	}
	assert.Contains(t, s.log.String(), `level=WARN msg="ace: shutdown timed out; force-closed the remaining connections" timeout=50ms`)
}

// TestServeDebugAddrInUse checks that serve fails, and releases the
// endpoint it started, when the debug address cannot be bound.
func TestServeDebugAddrInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c := parseEcho(t, "--listen", "127.0.0.1:0", "--debug-addr", ln.Addr().String())
	var log bytes.Buffer
	c.log = slog.New(slog.NewTextHandler(&log, nil))
	err = serve(t.Context(), c)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot listen on "+ln.Addr().String()+" (--debug-addr): the address is already in use")
	// goleak, in TestMain, checks that the endpoint's servers are gone.
}
