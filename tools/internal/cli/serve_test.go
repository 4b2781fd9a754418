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
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetDeadline(time.Now().Add(waitTimeout)); err != nil {
		t.Fatal(err)
	}
	return c, bufio.NewReader(c)
}

// expectLine reads one line and fails unless it is want.
func expectLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("reading %q: got %q, %v", want, line, err)
	}
	if got := strings.TrimSuffix(line, "\n"); got != want {
		t.Fatalf("got line %q, want %q", got, want)
	}
}

// expectEOF fails unless the peer has closed the connection.
func expectEOF(t *testing.T, r *bufio.Reader) {
	t.Helper()
	if b, err := r.ReadByte(); err == nil {
		t.Fatalf("read %q, want the connection closed", b)
	}
}

// parseEcho parses `ace serve echo` flags, failing the test on an error.
func parseEcho(t *testing.T, args ...string) serveConfig {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c, code := parseServe(echoSpec, args, &stdout, &stderr)
	if code != -1 {
		t.Fatalf("parseServe(%q): exit %d, %s", args, code, stderr.String())
	}
	return c
}

// TestServeGraceful serves echo, with a greeting from the flags, and checks
// that stopping says BYE to every live client and returns nil.
func TestServeGraceful(t *testing.T) {
	s := startServe(t, parseEcho(t, "--listen", "127.0.0.1:0", "--greeting", "HELLO", "--acceptors", "2"))
	if s.debug != nil {
		t.Errorf("debug server at %v without --debug-addr", s.debug)
	}
	c1, r1 := dial(t, s.addr)
	expectLine(t, r1, "HELLO")
	_, r2 := dial(t, s.addr)
	expectLine(t, r2, "HELLO")
	if _, err := io.WriteString(c1, "  hi  \r\n"); err != nil {
		t.Fatal(err)
	}
	expectLine(t, r1, "ECHO: hi")

	if err := s.stop(t); err != nil {
		t.Fatalf("serve: %v", err)
	}
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
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "force-closed") {
		t.Errorf("graceful shutdown force-closed:\n%s", log)
	}
	// The listener is closed: new clients are refused.
	if c, err := net.DialTimeout("tcp", s.addr.String(), waitTimeout); err == nil {
		c.Close()
		t.Error("dial succeeded after shutdown")
	}
}

// TestServeEventLoop serves echo, in both modes, from event loops
// (--event-loop), and checks a round trip and a graceful stop.
func TestServeEventLoop(t *testing.T) {
	t.Run("line", func(t *testing.T) {
		s := startServe(t, parseEcho(t, "--listen", "127.0.0.1:0", "--greeting", "HELLO", "--event-loop"))
		c, r := dial(t, s.addr)
		expectLine(t, r, "HELLO")
		if _, err := io.WriteString(c, "hi\n"); err != nil {
			t.Fatal(err)
		}
		expectLine(t, r, "ECHO: hi")
		if _, err := io.WriteString(c, "again\r\n"); err != nil {
			t.Fatal(err)
		}
		expectLine(t, r, "ECHO: again")
		if err := s.stop(t); err != nil {
			t.Fatalf("serve: %v", err)
		}
		expectLine(t, r, "BYE")
		expectEOF(t, r)
		log := s.log.String()
		for _, want := range []string{
			`msg="ace: listening" transport=tcp addr=` + s.addr.String() + " app=echo mode=line event_loop=true",
			`msg="ace: stopped" accepted=1 closed=1 panicked=0`,
		} {
			if !strings.Contains(log, want) {
				t.Errorf("log lacks %q:\n%s", want, log)
			}
		}
	})
	t.Run("raw", func(t *testing.T) {
		s := startServe(t, parseEcho(t, "--listen", "127.0.0.1:0", "--mode", "raw", "--event-loop"))
		c, r := dial(t, s.addr)
		if _, err := io.WriteString(c, "raw bytes\n"); err != nil {
			t.Fatal(err)
		}
		expectLine(t, r, "raw bytes")
		if err := s.stop(t); err != nil {
			t.Fatalf("serve: %v", err)
		}
		expectEOF(t, r)
		if log := s.log.String(); !strings.Contains(log, "app=echo mode=raw event_loop=true") {
			t.Errorf("log lacks event_loop=true:\n%s", log)
		}
	})
}

// TestServeUnix serves echo on a Unix socket.
func TestServeUnix(t *testing.T) {
	path := t.TempDir() + "/ace.sock"
	s := startServe(t, parseEcho(t, "--listen", "unix:"+path, "--acceptors", "1"))
	if s.addr.Network() != "unix" || s.addr.String() != path {
		t.Fatalf("listening on %s %s, want unix %s", s.addr.Network(), s.addr, path)
	}
	c, r := dial(t, s.addr)
	expectLine(t, r, "WELCOME")
	if _, err := io.WriteString(c, "/quit\n"); err != nil {
		t.Fatal(err)
	}
	expectLine(t, r, "BYE")
	expectEOF(t, r)
	if err := s.stop(t); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(s.log.String(), `transport=unix addr=`+path) {
		t.Errorf("log lacks the socket:\n%s", s.log)
	}
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
	if err := s.stop(t); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("serve returned after %v, before the 50ms shutdown timeout", d)
	}
	expectEOF(t, r)
	select {
	case reason := <-app.reasons:
		if !errors.Is(reason, core.ErrForcedClose) {
			t.Errorf("Disconnect(%v), want ErrForcedClose", reason)
		}
	default:
		t.Error("Disconnect did not run before serve returned")
	}
	if log := s.log.String(); !strings.Contains(log, `level=WARN msg="ace: shutdown timed out; force-closed the remaining connections" timeout=50ms`) {
		t.Errorf("log lacks the force-close warning:\n%s", log)
	}
}

// TestServeDebugAddrInUse checks that serve fails, and releases the
// endpoint it started, when the debug address cannot be bound.
func TestServeDebugAddrInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c := parseEcho(t, "--listen", "127.0.0.1:0", "--debug-addr", ln.Addr().String())
	var log bytes.Buffer
	c.log = slog.New(slog.NewTextHandler(&log, nil))
	err = serve(t.Context(), c)
	if err == nil || !strings.Contains(err.Error(), "cannot listen on "+ln.Addr().String()+" (--debug-addr): the address is already in use") {
		t.Errorf("serve = %v, want a debug server error", err)
	}
	// goleak, in TestMain, checks that the endpoint's servers are gone.
}
