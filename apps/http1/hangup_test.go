//go:build unix

package http1_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/http1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClientGoneCancelsContext checks that a request's context is cancelled
// when its client closes the connection while the handler waits on the
// context, as net/http's is: directly, through a derived context, after the
// handler read the body, and when the client only half-closes.
func TestClientGoneCancelsContext(t *testing.T) {
	body := "POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
	chunked := "POST /body HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
	for _, tc := range []struct {
		name, req string
		half      bool
		after     bool // a request that watched its context came first
	}{
		{"get", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", false, false},
		{"get/half-close", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", true, false},
		{"get/after another", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", false, true},
		{"derived", "GET /derived HTTP/1.1\r\nHost: a\r\n\r\n", false, false},
		{"body read", body, false, false},
		{"chunked body read", chunked, false, false},
	} {
		for _, reuse := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/reuse=%t", tc.name, reuse), func(t *testing.T) {
				entered := make(chan struct{})
				cancelled := make(chan error, 1)
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					ctx := r.Context()
					switch r.URL.Path {
					case "/ping":
						if ctx.Err() == nil {
							_, _ = io.WriteString(w, "pong")
						}
						return
					case "/derived":
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, time.Hour)
						defer cancel()
					case "/body":
						b, err := io.ReadAll(r.Body)
						assert.NoError(t, err, "reading the body")
						assert.Equal(t, "hello", string(b), "body")
					}
					close(entered)
					select {
					case <-ctx.Done():
						cancelled <- ctx.Err()
					case <-time.After(testTimeout):
						cancelled <- errors.New("not cancelled")
					}
				})
				ep := startRaw(t, h, http1.Config{ReuseRequests: reuse})
				c := dial(t, ep.Addr().String())
				if tc.after {
					c.ping()
				}
				c.send(tc.req)
				await(t, entered)
				if tc.half {
					_ = c.conn.CloseWrite()
				} else {
					_ = c.conn.Close()
				}
				require.ErrorIs(t, <-cancelled, context.Canceled, "request context")
			})
		}
	}
}

// TestWatchedContextKeepsConnection checks that a handler that watches its
// context and returns leaves a connection that serves the next requests,
// with their own contexts, watched in turn.
func TestWatchedContextKeepsConnection(t *testing.T) {
	for _, reuse := range []bool{false, true} {
		t.Run(fmt.Sprintf("reuse=%t", reuse), func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
					http.Error(w, "cancelled early", http.StatusInternalServerError)
				default:
					_, _ = io.WriteString(w, "pong")
				}
			})
			ep := startRaw(t, h, http1.Config{ReuseRequests: reuse})
			c := dial(t, ep.Addr().String())
			for range 20 {
				c.ping()
			}
		})
	}
}

// TestUnreadBodyNotWatched checks that a handler that waits on its context
// without reading the body is not cancelled by body bytes arriving, and
// that the connection then carries on: the server reads the body only
// after the handler.
func TestUnreadBodyNotWatched(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ping" {
			_, _ = io.WriteString(w, "pong")
			return
		}
		entered <- struct{}{}
		select {
		case <-r.Context().Done():
			http.Error(w, "cancelled", http.StatusInternalServerError)
		case <-release:
			_, _ = io.WriteString(w, "done")
		}
	})
	ep := startRaw(t, h, http1.Config{})
	c := dial(t, ep.Addr().String())
	c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n")
	await(t, entered)
	c.send("hello")
	close(release)
	resp, body := c.response("POST")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "done", body)
	c.ping()
}
