package http1_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/http1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logBuffer collects log output, safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestHijack checks that a handler can take the connection, with the bytes
// the client sent after the request, and that the server ends cleanly.
func TestHijack(t *testing.T) {
	done := make(chan struct{})
	ep := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		conn, brw, err := w.(http.Hijacker).Hijack()
		if !assert.NoError(t, err, "Hijack") {
			return
		}
		defer func() { _ = conn.Close() }()
		_, err = w.Write([]byte("x"))
		assert.Equal(t, http.ErrHijacked, err, "Write after Hijack")
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		for range 2 {
			_ = brw.Flush()
			line, err := brw.ReadString('\n')
			if !assert.NoError(t, err, "reading the hijacked connection") {
				return
			}
			_, _ = brw.WriteString("echo: " + line)
		}
		_ = brw.Flush()
	}), http1.Config{})
	c := dial(t, ep.Addr().String())
	c.send("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhello\n")
	resp, _ := c.response("GET")
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	line, err := c.r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "echo: hello\n", line)
	c.send("again\n")
	line, err = c.r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "echo: again\n", line)
	c.expectEOF()
	await(t, done)
	require.Eventually(t, func() bool {
		s := ep.Stats()
		return s.Active == 0 && s.Closed == 1
	}, testTimeout, time.Millisecond, "the hijacked connection not counted closed")
}

// TestPanic checks that a handler panic becomes a 500, a log line with the
// stack, and a closed connection, and that the endpoint goes on.
func TestPanic(t *testing.T) {
	var logs logBuffer
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Lost", "yes")
		_, _ = io.WriteString(w, "lost")
		panic("boom")
	})
	mux.HandleFunc("/abort", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic("late boom")
	})
	ep := start(t, mux, http1.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	addr := ep.Addr().String()

	c := dial(t, addr)
	c.send("GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /panic HTTP/1.1\r\nHost: a\r\n\r\nGET /ok HTTP/1.1\r\nHost: a\r\n\r\n")
	_, body := c.response("GET")
	assert.Equal(t, "ok", body, "first pipelined response")
	resp, _ := c.response("GET")
	if resp.StatusCode != http.StatusInternalServerError || !resp.Close || resp.Header.Get("X-Lost") != "" {
		t.Errorf("panic: %d, close %v, header %v; want a clean 500 that closes", resp.StatusCode, resp.Close, resp.Header)
	}
	c.expectEOF()
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "boom") },
		testTimeout, time.Millisecond, "the panic not logged")
	if l := logs.String(); !strings.Contains(l, "panic serving request") || !strings.Contains(l, "TestPanic") {
		t.Errorf("log line without the stack of the panic: %s", l)
	}

	// After the response has begun, the connection can only be cut.
	c = dial(t, addr)
	c.send("GET /late HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, err := http.ReadResponse(c.r, nil)
	require.NoError(t, err, "late")
	require.Equal(t, http.StatusOK, resp.StatusCode, "late")
	if b, err := io.ReadAll(resp.Body); string(b) != "partial" || err == nil {
		t.Errorf("late: %q, %v; want a truncated body", b, err)
	}

	// ErrAbortHandler aborts silently.
	before := logs.String()
	c = dial(t, addr)
	c.send("GET /abort HTTP/1.1\r\nHost: a\r\n\r\n")
	c.expectEOF()
	if logs.String() != before && strings.Contains(logs.String()[len(before):], "abort") {
		t.Errorf("ErrAbortHandler was logged: %s", logs.String()[len(before):])
	}

	c = dial(t, addr)
	c.send("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n")
	_, body = c.response("GET")
	assert.Equal(t, "ok", body, "after the panics")
}

// TestExpectContinue checks that 100 Continue is sent when the handler reads
// the body, and only then.
func TestExpectContinue(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "pong") })
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/noread", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	})
	addr := serve(t, mux, http1.Config{})

	// The client waits for the interim response before sending the body.
	c := dial(t, addr)
	c.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	interim, err := http.ReadResponse(c.r, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusContinue, interim.StatusCode, "want 100 Continue first")
	c.send("hello")
	resp, body := c.response("POST")
	if resp.StatusCode != 200 || body != "hello" || len(c.interim) != 0 {
		t.Errorf("got %d %q (interim %v), want 200 hello", resp.StatusCode, body, c.interim)
	}
	c.ping()

	// A handler that answers without reading gets no 100, and the
	// connection closes, since the client never sent the body.
	c = dial(t, addr)
	c.send("POST /noread HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	resp, _ = c.response("POST")
	if resp.StatusCode != http.StatusForbidden || len(c.interim) != 0 || !resp.Close {
		t.Errorf("got %d (interim %v, close %v), want 403 without 100, closing", resp.StatusCode, c.interim, resp.Close)
	}
	c.expectEOF()

	// An HTTP/1.0 client cannot understand 100: it gets none.
	c = dial(t, addr)
	c.send("POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello")
	resp, body = c.response("POST")
	if resp.StatusCode != 200 || body != "hello" || len(c.interim) != 0 {
		t.Errorf("1.0: got %d %q (interim %v)", resp.StatusCode, body, c.interim)
	}
}

// TestTimeouts checks the header timeout (408 for a partial request, a
// silent close for none) and the idle timeout.
func TestTimeouts(t *testing.T) {
	addr := serve(t, http.HandlerFunc(rulesHandler), http1.Config{
		HeaderTimeout: 100 * time.Millisecond,
		IdleTimeout:   100 * time.Millisecond,
	})
	c := dial(t, addr)
	c.send("GET / HTTP/1.1\r\nHost")
	resp, _ := c.response("GET")
	if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
		t.Errorf("partial request: %d, close %v; want 408 and close", resp.StatusCode, resp.Close)
	}
	c.expectEOF()

	c = dial(t, addr)
	c.expectEOF() // nothing sent

	c = dial(t, addr)
	c.ping()
	c.expectEOF() // idle
}

// TestSlowloris checks that clients trickling their headers a byte at a time
// do not stop another client being served, and that the header timeout ends
// them although they keep sending.
func TestSlowloris(t *testing.T) {
	const (
		clients = 50
		timeout = time.Second
	)
	ep := start(t, http.HandlerFunc(rulesHandler), http1.Config{HeaderTimeout: timeout})
	addr := ep.Addr().String()
	var (
		wg       sync.WaitGroup
		answered atomic.Int32
		stop     = make(chan struct{})
	)
	for range clients {
		c := dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ")
		wg.Add(2)
		go func() { // trickle a byte every 10ms until cut off
			defer wg.Done()
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if _, err := c.conn.Write([]byte{'a'}); err != nil {
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			began := time.Now()
			resp, err := http.ReadResponse(c.r, nil)
			if !assert.NoError(t, err, "slow client") {
				return
			}
			answered.Add(1)
			assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode, "slow client")
			if d := time.Since(began); d > 4*timeout {
				t.Errorf("slow client cut off after %v, header timeout %v", d, timeout)
			}
		}()
	}
	require.Eventually(t, func() bool { return ep.Stats().Active == clients },
		testTimeout, time.Millisecond, "not all slow clients connected")

	c := dial(t, addr)
	for range 10 {
		c.ping()
	}
	if n := answered.Load(); n != 0 {
		t.Errorf("%d slow clients were cut off before the fast one was served; the test is too slow to tell", n)
	}
	wg.Wait()
	close(stop)
}

// TestShutdown checks graceful shutdown: an idle keep-alive connection
// closes at once, and a request in flight finishes with Connection: close.
func TestShutdown(t *testing.T) {
	entered := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "pong") })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		deadline := time.Now().Add(testTimeout)
		for !http1.ShuttingDown(r) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		_, _ = io.WriteString(w, "done")
	})
	ep := start(t, mux, http1.Config{IdleTimeout: time.Hour})
	addr := ep.Addr().String()

	idle := dial(t, addr)
	idle.ping()
	busy := dial(t, addr)
	busy.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
	await(t, entered)

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		shut <- ep.Shutdown(ctx)
	}()
	idle.expectEOF()
	resp, body := busy.response("GET")
	if resp.StatusCode != 200 || body != "done" || !resp.Close {
		t.Errorf("in flight: %d %q, close %v; want 200 done with Connection: close", resp.StatusCode, body, resp.Close)
	}
	busy.expectEOF()
	assert.NoError(t, <-shut, "Shutdown")
}

// TestShutdownForceCancelsContext checks that a handler blocked on its
// request's context alone learns of the force-close that ends a shutdown
// past its deadline, so that Shutdown returns, with and without
// ReuseRequests.
func TestShutdownForceCancelsContext(t *testing.T) {
	for _, cfg := range []http1.Config{{}, {ReuseRequests: true}} {
		t.Run(fmt.Sprintf("reuse=%t", cfg.ReuseRequests), func(t *testing.T) { testShutdownForceCancelsContext(t, cfg) })
	}
}

func testShutdownForceCancelsContext(t *testing.T, cfg http1.Config) {
	entered := make(chan struct{})
	cancelled := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
		cancelled <- r.Context().Err()
	})
	ep := start(t, h, cfg)
	c := dial(t, ep.Addr().String())
	c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	await(t, entered)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- ep.Shutdown(ctx) }()
	select {
	case err := <-shut:
		assert.ErrorIs(t, err, context.DeadlineExceeded, "Shutdown")
	case <-time.After(testTimeout):
		t.Fatal("Shutdown did not return: the handler never learned of the force-close")
	}
	assert.ErrorIs(t, <-cancelled, context.Canceled, "request context")
	c.expectEOF()
}
