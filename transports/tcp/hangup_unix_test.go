//go:build unix

package tcp

import (
	"net"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
)

// hangupHandler's Packet watches for the peer's hang-up and reports what it
// saw: a watch that could not start, the hang-up, or neither in time.
type hangupHandler struct {
	core.BaseHandler
	srv *core.Server
	got chan string
}

func (h *hangupHandler) Connect(s *core.Server, _ core.ConnInfo) core.Action {
	h.srv = s
	return core.Continue()
}

func (h *hangupHandler) Packet([]byte) core.Action {
	gone := make(chan struct{})
	stop := h.srv.WatchHangup(func() { close(gone) })
	if stop == nil {
		h.got <- "no watch"
		return core.Close()
	}
	defer stop()
	h.got <- "watching"
	select {
	case <-gone:
		h.got <- "hung up"
	case <-time.After(5 * time.Second):
		h.got <- "no hang-up"
	}
	return core.Continue()
}

// TestWatchHangup checks that servers of both connection types can watch
// for their peer's hang-up while a callback runs (core.Server.WatchHangup).
func TestWatchHangup(t *testing.T) {
	reports := make(chan string, 2) // each subtest's server reports twice
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return &hangupHandler{got: reports} })
	eachSocket(t, app, core.Config{Acceptors: 1}, func(t *testing.T, _ *core.Endpoint, c net.Conn) {
		_, err := c.Write([]byte("x"))
		require.NoError(t, err)
		for _, want := range []string{"watching", "hung up"} {
			select {
			case got := <-reports:
				require.Equal(t, want, got, "handler")
			case <-time.After(10 * time.Second):
				t.Fatalf("handler: nothing, want %s", want)
			}
			if want == "watching" {
				_ = c.Close()
			}
		}
	})
}
