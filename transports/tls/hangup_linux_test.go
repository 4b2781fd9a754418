package tlstransport_test

import (
	"crypto/tls"
	"io"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	tlstransport "github.com/ace-go/ace/transports/tls"
	"github.com/stretchr/testify/require"
)

// hangupProbe's first Packet waits for gate, then watches for the client's
// hang-up (core.Server.WatchHangup) and reports it, or that the watch
// could not start, or that the client was still there when done closed.
type hangupProbe struct {
	core.BaseHandler
	srv         *core.Server
	reports     chan<- string
	gate, done  <-chan struct{}
	watchedOnce bool
}

func (h *hangupProbe) Connect(s *core.Server, _ core.ConnInfo) core.Action {
	h.srv = s
	return core.Continue()
}

func (h *hangupProbe) Packet([]byte) core.Action {
	if h.watchedOnce {
		return core.Continue() // only the first packet is watched
	}
	h.watchedOnce = true
	h.reports <- "ready"
	<-h.gate
	gone := make(chan struct{})
	stop := h.srv.WatchHangup(func() { close(gone) })
	if stop == nil {
		h.reports <- "no watch"
		return core.Close()
	}
	defer stop()
	select {
	case <-gone:
		h.reports <- "hung up"
	case <-h.done:
		h.reports <- "still there"
	case <-time.After(waitTimeout):
		h.reports <- "nothing"
	}
	return core.Continue()
}

// TestWatchHangup checks that a server on a TLS connection over TCP can
// watch for its client's hang-up: the client's close, with its close_notify
// alert before the end of its stream, or the end of its stream alone, or
// more records and then its close, all run the watch's function. (That
// records alone do not is core's test, TestPeekHangup.)
func TestWatchHangup(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "hang-up CA")
	tr := tlstransport.Transport{Config: &tls.Config{Certificates: []tls.Certificate{ca.issue(t, serverLeaf).cert}}}
	open, shut := make(chan struct{}), make(chan struct{})
	close(open)
	type probe struct {
		reports    chan string
		gate, done chan struct{}
	}
	next := make(chan probe, 1) // set by the test before it connects
	conns := make(chan chan string, 1)
	app := core.AppFunc(func(core.ConnInfo) core.Handler {
		p := <-next
		conns <- p.reports
		return &hangupProbe{reports: p.reports, gate: p.gate, done: p.done}
	})
	ep := serve(t, tr, "127.0.0.1:0", app, core.Config{Acceptors: 1})

	// connect dials with the handler's gate and done, sends a packet,
	// and returns the client and the handler's reports.
	connect := func(t *testing.T, gate, done chan struct{}) (*tls.Conn, <-chan string) {
		t.Helper()
		next <- probe{make(chan string, 4), gate, done}
		c := mustDialTLS(t, ep.Addr(), clientConfig(ca))
		_, err := io.WriteString(c, "x")
		require.NoError(t, err)
		select {
		case r := <-conns:
			return c, r
		case <-time.After(waitTimeout):
			t.Fatal("no handler for the connection")
			return nil, nil
		}
	}
	expect := func(t *testing.T, reports <-chan string, want string) {
		t.Helper()
		select {
		case got := <-reports:
			require.Equal(t, want, got, "handler")
		case <-time.After(2 * waitTimeout):
			t.Fatalf("handler: nothing, want %s", want)
		}
	}
	write := func(t *testing.T, c *tls.Conn, s string) {
		t.Helper()
		_, err := io.WriteString(c, s)
		require.NoError(t, err)
	}
	for _, tc := range []struct {
		name   string
		before string // written before the hang-up
		hangUp func(c *tls.Conn)
	}{
		{"close", "", func(c *tls.Conn) { _ = c.Close() }},
		{"close after records", "more", func(c *tls.Conn) { _ = c.Close() }},
		{"end of stream alone", "", func(c *tls.Conn) { _ = c.NetConn().(interface{ CloseWrite() error }).CloseWrite() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, reports := connect(t, open, shut)
			expect(t, reports, "ready")
			if tc.before != "" {
				write(t, c, tc.before)
			}
			tc.hangUp(c)
			expect(t, reports, "hung up")
		})
	}
}
