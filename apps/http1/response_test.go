package http1_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/http1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPipelining sends three requests in one write; the responses come back
// in order, and the connection stays open.
func TestPipelining(t *testing.T) {
	addr := serve(t, http.HandlerFunc(rulesHandler), http1.Config{})
	c := dial(t, addr)
	c.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n" +
		"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" +
		"POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
	for i, want := range []string{"/1:", "/2:hello", "/3:abc"} {
		resp, _ := c.response("GET")
		got := resp.Header.Get("X-Seen-URL") + ":" + resp.Header.Get("X-Seen-Body")
		if resp.StatusCode != 200 || got != want {
			t.Errorf("response %d: %d %q, want 200 %q", i, resp.StatusCode, got, want)
		}
	}
	c.ping()
}

// TestPipeliningReadAhead checks that the server reads nothing more while a
// handler runs, however much the client has pipelined: the read-ahead is one
// read of the server's buffer.
func TestPipeliningReadAhead(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	ep := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			close(entered)
			await(t, release)
		}
		_, _ = io.WriteString(w, r.URL.Path)
	}), http1.Config{})
	c := dial(t, ep.Addr().String())
	c.send("GET /block HTTP/1.1\r\nHost: a\r\n\r\n")
	await(t, entered)
	// Pipeline far more than the socket buffers hold; the write gives up
	// when they are full, since the server does not read.
	req := "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
	flood := strings.Repeat(req, (8<<20)/len(req))
	require.NoError(t, c.conn.SetWriteBuffer(32<<10))
	require.NoError(t, c.conn.SetWriteDeadline(time.Now().Add(300*time.Millisecond)))
	n, err := io.WriteString(c.conn, flood)
	require.Error(t, err, "the server took all %d bytes pipelined while its handler was blocked", n)
	assert.LessOrEqual(t, ep.Stats().BytesIn, uint64(64<<10), "bytes the server read while its handler was blocked; want one buffer")
	close(release)
	require.NoError(t, c.conn.SetDeadline(time.Now().Add(testTimeout)))
	_, body := c.response("GET")
	require.Equal(t, "/block", body, "first response")
	for i := range 100 {
		_, body := c.response("GET")
		require.Equal(t, "/next", body, "response %d", i+1)
	}
}

// TestResponseFraming checks Content-Length, chunked and close-delimited
// bodies, HEAD, 204 and 304, and the Date header.
func TestResponseFraming(t *testing.T) {
	big := strings.Repeat("x", 100<<10)
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "Hello, World!")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(big); i += 1000 {
			_, _ = io.WriteString(w, big[i:min(i+1000, len(big))])
		}
	})
	mux.HandleFunc("/bigone", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, big)
	})
	mux.HandleFunc("/declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		_, _ = io.WriteString(w, big)
	})
	mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		_, _ = io.WriteString(w, "12345")
	})
	mux.HandleFunc("/204", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		_, err := io.WriteString(w, "body")
		assert.Equal(t, http.ErrBodyNotAllowed, err, "Write after 204")
	})
	mux.HandleFunc("/304", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	})
	mux.HandleFunc("/hints", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		_, _ = io.WriteString(w, "final")
	})
	mux.HandleFunc("/nodate", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Date"] = nil
		w.Header().Set("Content-Type", "application/x-test")
		_, _ = io.WriteString(w, "x")
	})
	addr := serve(t, mux, http1.Config{})
	c := dial(t, addr)

	c.send("GET /small HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, body := c.response("GET")
	if resp.ContentLength != 13 || body != "Hello, World!" || resp.TransferEncoding != nil {
		t.Errorf("small: length %d, %v, %q", resp.ContentLength, resp.TransferEncoding, body)
	}
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"), "small: sniffed Content-Type")
	if d, err := http.ParseTime(resp.Header.Get("Date")); err != nil || time.Since(d) > time.Minute {
		t.Errorf("small: Date %q: %v", resp.Header.Get("Date"), err)
	}

	c.send("HEAD /small HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, body = c.response("HEAD")
	if resp.ContentLength != 13 || body != "" {
		t.Errorf("HEAD small: length %d, body %q", resp.ContentLength, body)
	}

	c.send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, body = c.response("GET")
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" || body != big {
		t.Errorf("big: %v, %d bytes", resp.TransferEncoding, len(body))
	}

	for _, path := range []string{"/big", "/bigone"} {
		c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n")
		resp, body = c.response("GET")
		if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || body != big {
			t.Errorf("%s: sniffed Content-Type %q, %d bytes", path, ct, len(body))
		}
	}

	c.send("HEAD /big HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, body = c.response("HEAD")
	if resp.TransferEncoding != nil || body != "" || resp.Close {
		t.Errorf("HEAD big: %v, body %q, close %v", resp.TransferEncoding, body, resp.Close)
	}

	c.send("GET /declared HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, body = c.response("GET")
	if resp.ContentLength != int64(len(big)) || resp.TransferEncoding != nil || body != big {
		t.Errorf("declared: length %d, %v, %d bytes", resp.ContentLength, resp.TransferEncoding, len(body))
	}

	for _, path := range []string{"/204", "/304"} {
		c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n")
		resp, body = c.response("GET")
		if strconv.Itoa(resp.StatusCode) != path[1:] || body != "" || resp.Header["Content-Length"] != nil ||
			resp.TransferEncoding != nil {
			t.Errorf("%s: %d, %q, %v", path, resp.StatusCode, body, resp.Header)
		}
	}

	c.send("GET /hints HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, body = c.response("GET")
	if fmt.Sprint(c.interim) != "[103]" || resp.StatusCode != 200 || body != "final" {
		t.Errorf("early hints: interim %v, then %d %q", c.interim, resp.StatusCode, body)
	}

	c.send("GET /nodate HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, _ = c.response("GET")
	if resp.Header["Date"] != nil || resp.Header.Get("Content-Type") != "application/x-test" {
		t.Errorf("nodate: %v", resp.Header)
	}

	// A body shorter than its declared length cannot be completed: the
	// connection closes after it.
	c.send("GET /short HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, err := http.ReadResponse(c.r, nil)
	require.NoError(t, err)
	if b, err := io.ReadAll(resp.Body); string(b) != "12345" || err != io.ErrUnexpectedEOF {
		t.Errorf("short: %q, %v; want 12345 and unexpected EOF", b, err)
	}

	// HTTP/1.0: a long body without a length ends with the connection.
	c = dial(t, addr)
	c.send("GET /big HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	resp, body = c.response("GET")
	if !resp.Close || resp.ContentLength != -1 || resp.TransferEncoding != nil || body != big {
		t.Errorf("1.0 big: close %v, length %d, %v, %d bytes", resp.Close, resp.ContentLength,
			resp.TransferEncoding, len(body))
	}
	c.expectEOF()
}

// TestTrailers checks response trailers, announced and prefixed.
func TestTrailers(t *testing.T) {
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ping" {
			_, _ = io.WriteString(w, "pong")
			return
		}
		w.Header().Set("Trailer", "X-Sum")
		_, _ = io.WriteString(w, "data")
		w.Header().Set("X-Sum", "42")
		w.Header().Set(http.TrailerPrefix+"X-Late", "yes")
	}), http1.Config{})
	c := dial(t, addr)
	c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, body := c.response("GET")
	if body != "data" || resp.Trailer.Get("X-Sum") != "42" || resp.Trailer.Get("X-Late") != "yes" {
		t.Errorf("body %q, trailer %v", body, resp.Trailer)
	}
	c.ping()
}

// TestFlush checks that a flushed response reaches the client while the
// handler still runs, through http.Flusher and http.ResponseController.
func TestFlush(t *testing.T) {
	step := make(chan struct{})
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ping" {
			_, _ = io.WriteString(w, "pong")
			return
		}
		rc := http.NewResponseController(w)
		_, _ = io.WriteString(w, "first\n")
		assert.NoError(t, rc.Flush(), "Flush")
		await(t, step)
		_, _ = io.WriteString(w, "second\n")
		w.(http.Flusher).Flush()
		await(t, step)
	}), http1.Config{})
	c := dial(t, addr)
	c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, err := http.ReadResponse(c.r, nil)
	require.NoError(t, err)
	buf := make([]byte, 7)
	for _, want := range []string{"first\n", "second\n"} {
		if _, err := io.ReadFull(resp.Body, buf[:len(want)]); err != nil || string(buf[:len(want)]) != want {
			t.Fatalf("read %q, %v; want %q before the handler goes on", buf[:len(want)], err, want)
		}
		step <- struct{}{}
	}
	rest, err := io.ReadAll(resp.Body)
	assert.NoError(t, err)
	assert.Empty(t, rest, "after the flushed lines")
	c.ping()
}

// TestResponseControllerDeadlines checks SetReadDeadline, SetWriteDeadline
// and EnableFullDuplex through http.ResponseController.
func TestResponseControllerDeadlines(t *testing.T) {
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		assert.NoError(t, rc.EnableFullDuplex(), "EnableFullDuplex")
		assert.NoError(t, rc.SetWriteDeadline(time.Now().Add(time.Minute)), "SetWriteDeadline")
		assert.NoError(t, rc.SetReadDeadline(time.Now().Add(50*time.Millisecond)), "SetReadDeadline")
		_, err := io.ReadAll(r.Body)
		fmt.Fprintf(w, "timeout=%v", err != nil && strings.Contains(err.Error(), "timeout"))
	}), http1.Config{})
	c := dial(t, addr)
	c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
	resp, body := c.response("POST")
	if body != "timeout=true" || !resp.Close {
		t.Errorf("got %q, close %v; want the read to time out and the connection to close", body, resp.Close)
	}
	c.expectEOF()
}

// TestBodyReadTimeout checks Config.BodyReadTimeout: a stalled body gets
// 408 when the handler leaves the answer to the server.
func TestBodyReadTimeout(t *testing.T) {
	addr := serve(t, http.HandlerFunc(rulesHandler), http1.Config{BodyReadTimeout: 50 * time.Millisecond})
	c := dial(t, addr)
	c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
	resp, _ := c.response("POST")
	if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
		t.Errorf("got %d, close %v; want 408 and close", resp.StatusCode, resp.Close)
	}
	c.expectEOF()
}

// TestUnreadBody checks that a body the handler did not read is drained
// when small, so the connection carries on, and closes the connection when
// large.
func TestUnreadBody(t *testing.T) {
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "pong")
	}), http1.Config{})
	c := dial(t, addr)
	c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
	if resp, body := c.response("POST"); body != "pong" || resp.Close {
		t.Errorf("small unread body: %q, close %v", body, resp.Close)
	}
	c.ping()

	c = dial(t, addr)
	c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000\r\n\r\nhello")
	if resp, body := c.response("POST"); body != "pong" || !resp.Close {
		t.Errorf("large unread body: %q, close %v", body, resp.Close)
	}
}

// TestResponseWriterAfterReturn checks that a ResponseWriter and a request
// Body kept after their handler returned fail, and change nothing of the
// next request on the connection, whose writer and body state is the same
// memory, while the rest of the request the handler kept is intact.
func TestResponseWriterAfterReturn(t *testing.T) {
	skipIfReuseAll(t) // the guard it checks is what ReuseRequests gives up
	var (
		keptW http.ResponseWriter
		keptR *http.Request
		logs  logBuffer
	)
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/first":
			keptW, keptR = w, r
			_, _ = io.WriteString(w, "first")
			return
		case "/ping":
			_, _ = io.WriteString(w, "pong")
			return
		}
		_, err := keptW.Write([]byte("stale"))
		assert.Error(t, err, "Write on a kept ResponseWriter")
		_, err = io.WriteString(keptW, "stale")
		assert.Error(t, err, "WriteString on a kept ResponseWriter")
		keptW.Header().Set("X-Stale", "1")
		keptW.WriteHeader(http.StatusTeapot)
		assert.Error(t, http.NewResponseController(keptW).Flush(), "Flush on a kept ResponseWriter")
		_, _, err = http.NewResponseController(keptW).Hijack()
		assert.Error(t, err, "Hijack on a kept ResponseWriter")
		assert.Equal(t, "/first yes", keptR.URL.Path+" "+keptR.Header.Get("X-Kept"), "kept request")
		assert.Error(t, keptR.Context().Err(), "the kept request's context is not cancelled")
		_, err = keptR.Body.Read(make([]byte, 8))
		assert.Equal(t, http.ErrBodyReadAfterClose, err, "Read on a kept request's Body")
		assert.NoError(t, keptR.Body.Close(), "Close on a kept request's Body")
		body, err := io.ReadAll(r.Body)
		assert.NoError(t, err, "second body")
		assert.Equal(t, "xyz", string(body), "second body")
		_, _ = io.WriteString(w, "second")
	}), http1.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c := dial(t, addr)
	c.send("POST /first HTTP/1.1\r\nHost: a\r\nX-Kept: yes\r\nContent-Length: 3\r\n\r\nabc")
	if resp, body := c.response("GET"); resp.StatusCode != 200 || body != "first" {
		t.Fatalf("first response: %d %q", resp.StatusCode, body)
	}
	c.send("POST /second HTTP/1.1\r\nHost: a\r\nX-Other: no\r\nContent-Length: 3\r\n\r\nxyz")
	resp, body := c.response("GET")
	if resp.StatusCode != 200 || body != "second" || resp.Header.Get("X-Stale") != "" {
		t.Errorf("second response: %d %q %v, want 200 %q without X-Stale", resp.StatusCode, body, resp.Header, "second")
	}
	c.ping()
	assert.Contains(t, logs.String(), "finished response", "WriteHeader on a kept ResponseWriter logged no warning")
}
