package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitTimeout bounds every wait, so that a hung process fails the test
// rather than stalling the run.
const waitTimeout = 20 * time.Second

// TestEndToEnd builds the ace binary once and runs it as a user would.
func TestEndToEnd(t *testing.T) {
	bin := buildAce(t)
	t.Run("serve", func(t *testing.T) { t.Parallel(); testServe(t, bin) })
	t.Run("unix", func(t *testing.T) { t.Parallel(); testUnix(t, bin) })
	t.Run("stalled-client", func(t *testing.T) { t.Parallel(); testStalledClient(t, bin) })
	t.Run("bad-flag", func(t *testing.T) { t.Parallel(); testBadFlag(t, bin) })
	t.Run("port-taken", func(t *testing.T) { t.Parallel(); testPortTaken(t, bin) })
	t.Run("help", func(t *testing.T) { t.Parallel(); testHelp(t, bin) })
	t.Run("certs", func(t *testing.T) { t.Parallel(); testCerts(t, bin) })
	t.Run("tls-openssl", func(t *testing.T) { t.Parallel(); testTLSOpenSSL(t, bin) })
	t.Run("quic", func(t *testing.T) { t.Parallel(); testQUIC(t, bin) })
	t.Run("tls-reload", func(t *testing.T) { t.Parallel(); testTLSReload(t, bin) })
	t.Run("mutual-tls", func(t *testing.T) { t.Parallel(); testMutualTLS(t, bin) })
	t.Run("http1-curl", func(t *testing.T) { t.Parallel(); testHTTP1Curl(t, bin) })
	t.Run("http1-https", func(t *testing.T) { t.Parallel(); testHTTP1HTTPS(t, bin) })
}

// buildAce builds this package into a temporary directory with the go
// command that runs the tests (go test puts its GOROOT/bin first in PATH),
// with the race detector when the tests have it.
func buildAce(t *testing.T) string {
	t.Helper()
	gocmd, err := exec.LookPath("go")
	require.NoError(t, err, "no go command to build ace with")
	bin := filepath.Join(t.TempDir(), "ace")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command(gocmd, append(args, ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a running ace process whose stderr log is parsed as it comes.
type proc struct {
	cmd *exec.Cmd
	log *logWatcher
	// exited receives cmd.Wait's result once.
	exited chan error
}

// start runs bin with args and stops it, if still running, when the test
// ends.
func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{
		cmd:    exec.Command(bin, args...),
		log:    newLogWatcher(),
		exited: make(chan error, 1),
	}
	p.cmd.Stderr = p.log
	require.NoError(t, p.cmd.Start())
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("ace's log:\n%s", p.log)
		}
	})
	return p
}

// signalAndWait sends sig to the process and waits for it to exit, failing
// unless it exits with status 0 within waitTimeout.
func (p *proc) signalAndWait(t *testing.T, sig os.Signal) {
	t.Helper()
	p.signal(t, sig)
	p.wait(t, sig)
}

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
}

// wait waits for the process to exit after sig, failing unless it exits
// with status 0 within waitTimeout.
func (p *proc) wait(t *testing.T, sig os.Signal) {
	t.Helper()
	select {
	case err := <-p.exited:
		p.exited <- err // for the cleanup
		if err != nil {
			t.Fatalf("ace exited with %v, want status 0", err)
		}
	case <-time.After(waitTimeout):
		t.Fatalf("ace still running %v after %v", waitTimeout, sig)
	}
}

// logWatcher is the stderr of a process: it splits the log into records
// and lets tests wait for a record.
type logWatcher struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	changed chan struct{} // closed and replaced on every new line
}

func newLogWatcher() *logWatcher { return &logWatcher{changed: make(chan struct{})} }

func (w *logWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := strings.IndexByte(string(w.partial), '\n')
		if i < 0 {
			break
		}
		w.lines = append(w.lines, string(w.partial[:i]))
		w.partial = w.partial[i+1:]
		close(w.changed)
		w.changed = make(chan struct{})
	}
	return len(p), nil
}

func (w *logWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n") + string(w.partial)
}

// wait returns the fields of the first log record whose message is msg,
// waiting for it up to waitTimeout.
func (w *logWatcher) wait(t *testing.T, msg string) map[string]string {
	t.Helper()
	timeout := time.After(waitTimeout)
	for seen := 0; ; {
		w.mu.Lock()
		lines, changed := w.lines[seen:], w.changed
		w.mu.Unlock()
		for _, line := range lines {
			if rec := parseRecord(line); rec["msg"] == msg {
				return rec
			}
		}
		seen += len(lines)
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("no %q in the log after %v:\n%s", msg, waitTimeout, w)
		}
	}
}

// line returns the i-th line written (from 0), waiting for it up to
// waitTimeout; ok is false if the writer was closed first (closed reports
// that).
func (w *logWatcher) line(t *testing.T, i int, closed <-chan struct{}) (line string, ok bool) {
	t.Helper()
	timeout := time.After(waitTimeout)
	for {
		w.mu.Lock()
		n, changed := len(w.lines), w.changed
		if i < n {
			line = w.lines[i]
		}
		w.mu.Unlock()
		if i < n {
			return line, true
		}
		select {
		case <-changed:
		case <-closed:
			// The process has exited and its output is complete.
			w.mu.Lock()
			defer w.mu.Unlock()
			if i < len(w.lines) {
				return w.lines[i], true
			}
			return "", false
		case <-timeout:
			t.Fatalf("no line %d after %v; have:\n%s", i+1, waitTimeout, w)
		}
	}
}

// has reports whether some log record has message msg.
func (w *logWatcher) has(msg string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, line := range w.lines {
		if parseRecord(line)["msg"] == msg {
			return true
		}
	}
	return false
}

// recordField matches one key=value of slog's text format; a value with
// spaces or quotes is a quoted Go string.
var recordField = regexp.MustCompile(`([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)`)

// parseRecord returns the fields of one line of slog's text format.
func parseRecord(line string) map[string]string {
	rec := make(map[string]string)
	for _, m := range recordField.FindAllStringSubmatch(line, -1) {
		v := m[2]
		if strings.HasPrefix(v, `"`) {
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			}
		}
		rec[m[1]] = v
	}
	return rec
}

// client is a line-protocol client of the echo app.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, network, addr string) *client {
	t.Helper()
	conn, err := net.DialTimeout(network, addr, waitTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return newClient(t, conn)
}

// newClient returns a client of the echo app on conn, whose every read and
// write must be done within waitTimeout.
func newClient(t *testing.T, conn net.Conn) *client {
	t.Helper()
	require.NoError(t, conn.SetDeadline(time.Now().Add(waitTimeout)))
	return &client{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *client) send(line string) {
	c.t.Helper()
	_, err := io.WriteString(c.conn, line+"\n")
	require.NoError(c.t, err)
}

func (c *client) expect(want string) {
	c.t.Helper()
	line, err := c.r.ReadString('\n')
	require.NoError(c.t, err, "reading %q: got %q", want, line)
	require.Equal(c.t, want, strings.TrimSuffix(line, "\n"), "line")
}

func (c *client) expectClosed() {
	c.t.Helper()
	b, err := c.r.ReadByte()
	require.Error(c.t, err, "read %q, want the connection closed", b)
}

// httpGet fetches url and returns its status and body.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	hc := &http.Client{Timeout: waitTimeout, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// testServe runs `ace serve echo` on port 0 with a debug server, talks to it
// with two clients, reads every debug endpoint, waits for both connections to
// hibernate and for one to wake, and stops it with SIGTERM while both are
// connected: each receives BYE and the process exits 0.
func testServe(t *testing.T, bin string) {
	p := start(t, bin, "serve", "echo", "--listen", "127.0.0.1:0", "--debug-addr", "127.0.0.1:0",
		"--hibernate-after", "20ms")
	rec := p.log.wait(t, "ace: listening")
	assert.Equal(t, "tcp", rec["transport"], "listening record %v", rec)
	assert.Equal(t, "echo", rec["app"], "listening record %v", rec)
	assert.Equal(t, "line", rec["mode"], "listening record %v", rec)
	addr := rec["addr"]
	debug := "http://" + p.log.wait(t, "ace: debug listening")["addr"]

	a := dial(t, "tcp", addr)
	a.expect("WELCOME")
	a.send("  hello  ")
	a.expect("ECHO: hello")
	b := dial(t, "tcp", addr)
	b.expect("WELCOME")
	a.send("/broadcast hi there")
	a.expect("SENT 1")
	b.expect("hi there")

	code, body := httpGet(t, debug+"/debug/vars")
	require.Equal(t, http.StatusOK, code, "GET /debug/vars")
	var vars struct {
		Ace map[string]json.Number `json:"ace"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &vars), "/debug/vars:\n%s", body)
	for _, k := range []string{"accepting", "active", "accepted", "closed", "panicked", "bytes_in", "bytes_out", "hibernating"} {
		assert.Contains(t, vars.Ace, k, `/debug/vars: "ace"`)
	}
	assert.Equal(t, json.Number("2"), vars.Ace["accepted"], `/debug/vars: "ace".accepted`)
	assert.Equal(t, json.Number("2"), vars.Ace["active"], `/debug/vars: "ace".active`)
	assert.Equal(t, json.Number("8"), vars.Ace["accepting"], `/debug/vars: "ace".accepting`)

	code, body = httpGet(t, debug+"/metrics")
	assert.Equal(t, http.StatusOK, code, "GET /metrics")
	assert.Contains(t, body, "\nace_accepted_total 2\n", "GET /metrics")
	code, body = httpGet(t, debug+"/debug/pprof/")
	assert.Equal(t, http.StatusOK, code, "GET /debug/pprof/")
	assert.Contains(t, body, "goroutine", "GET /debug/pprof/")

	// Both connections are idle: their servers hibernate, and one wakes
	// when its client speaks. (Polling a condition, under a deadline.)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body = httpGet(t, debug+"/metrics")
		if strings.Contains(body, "\nace_hibernating 2\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the idle connections did not hibernate:\n%s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.send("awake")
	a.expect("ECHO: awake")

	p.signalAndWait(t, syscall.SIGTERM)
	for _, c := range []*client{a, b} {
		c.expect("BYE")
		c.expectClosed()
	}
	stopped := p.log.wait(t, "ace: stopped")
	assert.Equal(t, "2", stopped["accepted"], "stopped record %v", stopped)
	assert.Equal(t, "2", stopped["closed"], "stopped record %v", stopped)
	assert.Equal(t, "terminated signal received", p.log.wait(t, "ace: shutting down")["reason"], "shutdown reason")
	assert.False(t, p.log.has("ace: shutdown timed out; force-closed the remaining connections"),
		"a graceful shutdown force-closed connections")
}

// testUnix serves on a Unix socket and stops with SIGINT.
func testUnix(t *testing.T, bin string) {
	path := filepath.Join(t.TempDir(), "ace.sock")
	p := start(t, bin, "serve", "echo", "--listen", "unix:"+path, "--greeting", "HELLO")
	rec := p.log.wait(t, "ace: listening")
	require.Equal(t, "unix", rec["transport"], "listening record %v", rec)
	require.Equal(t, path, rec["addr"], "listening record %v", rec)
	c := dial(t, "unix", path)
	c.expect("HELLO")
	c.send("over unix")
	c.expect("ECHO: over unix")
	p.signalAndWait(t, os.Interrupt)
	c.expect("BYE")
	c.expectClosed()
	assert.NoFileExists(t, path, "socket file left behind")
}

// testStalledClient stops a server whose client floods it without ever
// reading or closing, in raw mode. Such a client can stall the server in a
// write it cannot finish, and it never completes a close (the server's
// linger waits for its FIN), so only --shutdown-timeout ends it: the process
// must say it force-closed, and still exit 0, soon after the timeout.
func testStalledClient(t *testing.T, bin string) {
	const shutdownTimeout = 200 * time.Millisecond // below core's 500ms linger
	p := start(t, bin, "serve", "echo", "--mode", "raw", "--listen", "127.0.0.1:0",
		"--shutdown-timeout", shutdownTimeout.String())
	c := dial(t, "tcp", p.log.wait(t, "ace: listening")["addr"])
	// One round trip proves a server has the connection.
	_, err := io.WriteString(c.conn, "x")
	require.NoError(t, err)
	b, err := c.r.ReadByte()
	require.NoError(t, err, "echo of x")
	require.Equal(t, byte('x'), b, "echo of x")
	// Flood until the server's force-close breaks the connection.
	flooded := make(chan error, 1)
	go func() {
		chunk := make([]byte, 64<<10)
		for {
			if _, err := c.conn.Write(chunk); err != nil {
				flooded <- err
				return
			}
		}
	}()
	start := time.Now()
	p.signalAndWait(t, syscall.SIGTERM)
	assert.GreaterOrEqual(t, time.Since(start), shutdownTimeout, "exited after SIGTERM before the shutdown timeout")
	rec := p.log.wait(t, "ace: shutdown timed out; force-closed the remaining connections")
	assert.Equal(t, shutdownTimeout.String(), rec["timeout"], "force-close record %v", rec)
	select {
	case <-flooded:
	case <-time.After(waitTimeout):
		t.Fatal("the flooding client's writes still succeed after ace exited")
	}
}

// testBadFlag checks the exit status and the one-line error of mistakes.
func testBadFlag(t *testing.T, bin string) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "echo", "--no-such-flag"},
			"ace serve echo: flag provided but not defined: --no-such-flag (run 'ace serve echo --help')\n"},
		{[]string{"serve", "echo", "--hibernate-after", "xyz"},
			"ace serve echo: invalid value \"xyz\" for flag --hibernate-after: want a duration such as 500ms, 2s or 1m30s (run 'ace serve echo --help')\n"},
		{[]string{"serve", "http1", "--listen", "bogus"},
			"ace serve http1: invalid address \"bogus\" for flag --listen: want host:port, such as 127.0.0.1:8080 (port 0 picks a free port), or unix:/path for a Unix socket (run 'ace serve http1 --help')\n"},
		{[]string{"serve", "http1", "--transport", "quic"},
			"ace serve http1: http1 cannot be served over QUIC: HTTP over QUIC is HTTP/3, which http1 does not speak; use --transport tcp or tls (run 'ace serve http1 --help')\n"},
		{[]string{"serve", "echo", "--transport", "sctp"},
			"ace serve echo: unknown transport \"sctp\"; the transports are tcp, tls, quic (run 'ace serve echo --help')\n"},
		{[]string{"certs"},
			"ace certs: missing --dir: where to write the certificates (run 'ace certs --help')\n"},
	} {
		cmd := exec.Command(bin, tt.args...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if assert.ErrorAs(t, err, &exit, "ace %q", tt.args) {
			assert.Equal(t, 2, exit.ExitCode(), "ace %q: exit status", tt.args)
		}
		assert.Equal(t, tt.want, stderr.String(), "ace %q", tt.args)
		assert.Empty(t, stdout.String(), "ace %q", tt.args)
	}
}

// testPortTaken checks that an address in use is a failure, exit status 1,
// whose message names the address and suggests --listen.
func testPortTaken(t *testing.T, bin string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	addr := ln.Addr().String()
	cmd := exec.Command(bin, "serve", "http1", "--listen", addr)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if assert.ErrorAs(t, err, &exit) {
		assert.Equal(t, 1, exit.ExitCode(), "exit status")
	}
	rec := parseRecord(stderr.String())
	assert.Equal(t, "ace: http1 failed", rec["msg"], "stderr %q", stderr.String())
	assert.Equal(t, "cannot listen on "+addr+" (--listen): the address is already in use, by another program or another ace; "+
		"choose another with --listen (port 0 picks a free port)", rec["err"])
	assert.Empty(t, stdout.String())
}

// testHelp checks that help goes to stdout with exit status 0.
func testHelp(t *testing.T, bin string) {
	for _, args := range [][]string{
		{"help"}, {"-h"}, {"serve", "--help"}, {"serve", "echo", "--help"},
		{"serve", "http1", "--help"}, {"certs", "--help"}, {"help", "certs"},
	} {
		out, err := exec.Command(bin, args...).Output()
		if assert.NoError(t, err, "ace %q", args) {
			assert.Contains(t, string(out), "Usage:", "ace %q", args)
		}
	}
}
