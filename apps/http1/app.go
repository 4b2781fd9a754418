package http1

import (
	"log/slog"
	"net/http"

	"github.com/ace-go/ace/core"
)

// App serves an http.Handler over HTTP/1.1: it is a [core.App], so an
// endpoint of any stream transport runs it, one server per connection.
type App struct {
	handler http.Handler
	cfg     Config
	log     *slog.Logger
}

// New returns an app that serves h with the limits and timeouts of cfg. A nil
// h serves http.DefaultServeMux, as net/http does.
func New(h http.Handler, cfg Config) *App {
	if h == nil {
		h = http.DefaultServeMux
	}
	cfg = cfg.withDefaults()
	return &App{handler: h, cfg: cfg, log: cfg.Logger}
}

// Framer returns core.Raw(): the app parses HTTP itself, from whatever the
// connection delivers. An endpoint whose core.Config.Framer is nil uses it.
func (a *App) Framer() core.Framer { return core.Raw() }

// NewHandler implements core.App: it returns the handler of one connection.
func (a *App) NewHandler(info core.ConnInfo) core.Handler {
	c := &conn{app: a, localAddr: info.LocalAddr, tls: info.TLS}
	if info.RemoteAddr != nil {
		c.remoteAddr = info.RemoteAddr.String()
	}
	return c
}

// connKey is the context key of the connection serving a request.
type connKey struct{}

// ShuttingDown reports whether the endpoint serving r is shutting down
// gracefully. A handler that streams for a long time (server-sent events,
// long polls) can check it between writes and end, so that the shutdown
// need not wait for its deadline; net/http's equivalent is
// http.Server.RegisterOnShutdown. It reports false for a request this
// package did not serve.
func ShuttingDown(r *http.Request) bool {
	c, ok := r.Context().Value(connKey{}).(*conn)
	return ok && c.srv != nil && c.srv.ShuttingDown()
}
