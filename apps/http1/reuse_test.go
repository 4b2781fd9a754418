package http1_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/http1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReuseRequests checks that with ReuseRequests a request sees nothing
// of the one that had its *http.Request before, however that one's handler
// changed it, on the same connection or another, and that each request's
// context is live while its handler runs and cancelled after.
func TestReuseRequests(t *testing.T) {
	seen := make(chan string, 1)
	cancelled := make(chan string, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		assert.NoError(t, err, "reading the body")
		assert.NoError(t, r.ParseForm(), "ParseForm")
		ctx, cancel := context.WithCancel(r.Context()) // registers with it
		defer cancel()
		id := r.PathValue("id")
		context.AfterFunc(r.Context(), func() { cancelled <- id })
		seen <- fmt.Sprintf("%s %s host=%s id=%s pattern=%s header=%v form=%v body=%q length=%d err=%v",
			r.Method, r.URL, r.Host, id, r.Pattern, r.Header, r.Form, body, r.ContentLength, ctx.Err())
		// Leave as much behind as a handler can.
		r.Header.Set("X-Dirty", "1")
		r.Header["X-Id"][0] = "dirty"
		r.URL.Path, r.URL.RawQuery = "/dirty", "dirty=1"
		r.Form.Set("dirty", "1")
		r.SetPathValue("id", "dirty")
		r.Host, r.Method = "dirty", "DIRTY"
		_, _ = io.WriteString(w, id)
	})
	addr := serve(t, mux, http1.Config{ReuseRequests: true})
	conns := []*client{dial(t, addr), dial(t, addr)}
	for i := range 6 {
		id := fmt.Sprint(i)
		c := conns[i%2]
		req := "GET /items/" + id + "?q=" + id + " HTTP/1.1\r\nHost: h" + id + "\r\nX-Id: " + id + "\r\n\r\n"
		want := "GET /items/" + id + "?q=" + id + " host=h" + id + " id=" + id + " pattern=/items/{id} header=map[X-Id:[" + id +
			"]] form=map[q:[" + id + "]] body=\"\" length=0 err=<nil>"
		if i%3 == 2 { // now and then, a body and more fields
			req = "POST /items/" + id + " HTTP/1.1\r\nHost: h" + id + "\r\nX-Id: " + id +
				"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\n\r\nb=" + id + "xy"
			want = "POST /items/" + id + " host=h" + id + " id=" + id + " pattern=/items/{id} header=map[Content-Length:[5] " +
				"Content-Type:[application/x-www-form-urlencoded] X-Id:[" + id + "]] form=map[] body=\"b=" + id + "xy\" length=5 err=<nil>"
		}
		c.send(req)
		resp, body := c.response("GET")
		require.Equal(t, http.StatusOK, resp.StatusCode, "request %d", i)
		require.Equal(t, id, body, "request %d", i)
		select {
		case got := <-seen:
			assert.Equal(t, want, got, "request %d: what the handler saw", i)
		case <-time.After(testTimeout):
			t.Fatalf("request %d: the handler did not run", i)
		}
		select {
		case got := <-cancelled:
			assert.Equal(t, id, got, "request %d: the request whose context was cancelled", i)
		case <-time.After(testTimeout):
			t.Fatalf("request %d: its context is not cancelled after the response", i)
		}
	}
}

// TestReuseRequestsConcurrent serves several connections at once, each
// with pipelined requests, with ReuseRequests: a request that saw another's
// header or URL would answer wrongly, and the race detector watches the
// reuse itself.
func TestReuseRequestsConcurrent(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get("X-Id"); id != strings.TrimPrefix(r.URL.Path, "/") {
			http.Error(w, "header "+id+" on "+r.URL.Path, http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, r.Header.Get("X-Id"))
	})
	addr := serve(t, h, http1.Config{ReuseRequests: true})
	const conns, batches, depth = 8, 20, 4
	var wg sync.WaitGroup
	for c := range conns {
		wg.Go(func() {
			conn, err := net.DialTimeout("tcp", addr, testTimeout)
			if !assert.NoError(t, err) {
				return
			}
			defer func() { _ = conn.Close() }()
			_ = conn.SetDeadline(time.Now().Add(testTimeout))
			br := bufio.NewReader(conn)
			for b := range batches {
				var req strings.Builder
				for i := range depth {
					fmt.Fprintf(&req, "GET /%d-%d-%d HTTP/1.1\r\nHost: a\r\nX-Id: %d-%d-%d\r\n\r\n", c, b, i, c, b, i)
				}
				if _, err := io.WriteString(conn, req.String()); !assert.NoError(t, err) {
					return
				}
				for i := range depth {
					resp, err := http.ReadResponse(br, nil)
					if !assert.NoError(t, err) {
						return
					}
					body, err := io.ReadAll(resp.Body)
					if want := fmt.Sprintf("%d-%d-%d", c, b, i); err != nil || resp.StatusCode != http.StatusOK || string(body) != want {
						t.Errorf("got %d %q (%v), want 200 %q", resp.StatusCode, body, err, want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
