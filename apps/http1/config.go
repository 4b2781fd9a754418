package http1

import (
	"log/slog"
	"time"
)

// Defaults for the zero Config.
const (
	DefaultMaxRequestLineBytes = 8 << 10
	DefaultMaxHeaderBytes      = 64 << 10
	DefaultHeaderTimeout       = 10 * time.Second
	DefaultBodyReadTimeout     = 30 * time.Second
	DefaultIdleTimeout         = 60 * time.Second
	DefaultWriteTimeout        = 30 * time.Second
)

// Config configures an [App]. It follows the configuration convention of
// every ace module (docs/configuration.md): the zero value is ready to use, a
// zero field means its default, and a negative duration turns that timeout
// off.
type Config struct {
	// MaxRequestLineBytes bounds the request line (method, target and
	// version, with its CRLF); a longer one is answered with 414 URI Too
	// Long. Default 8 KiB.
	MaxRequestLineBytes int

	// MaxHeaderBytes bounds the header section, request line included,
	// and the trailer section of a chunked body; a larger one is answered
	// with 431 Request Header Fields Too Large. Default 64 KiB.
	MaxHeaderBytes int

	// MaxBodyBytes bounds a request body: a larger Content-Length is
	// answered with 413 Content Too Large, and a chunked body that grows
	// past it fails the body's Read with an *http.MaxBytesError. Default
	// 0: no limit (negative too), as in net/http.
	MaxBodyBytes int64

	// HeaderTimeout bounds the time from a request's first byte to the end
	// of its header section; trickling bytes does not extend it. A client
	// cut off mid-request is answered with 408 Request Timeout, a silent
	// one is closed. Default 10s.
	HeaderTimeout time.Duration

	// BodyReadTimeout bounds each wait for more of a request body; the
	// body's Read then fails with an error wrapping
	// os.ErrDeadlineExceeded. http.ResponseController.SetReadDeadline
	// replaces it for the rest of the request. Default 30s.
	BodyReadTimeout time.Duration

	// IdleTimeout bounds the wait for the next request on a keep-alive
	// connection. Default 60s.
	IdleTimeout time.Duration

	// WriteTimeout bounds each write to the connection: a client that
	// does not read for that long has its connection closed. It replaces
	// core.Config.WriteTimeout for the app's connections, and
	// http.ResponseController.SetWriteDeadline replaces it for the rest
	// of a request. Default 30s.
	WriteTimeout time.Duration

	// ReuseRequests makes the server reuse the *http.Request, its Header,
	// URL, Body and context, and the ResponseWriter for later requests
	// once the handler has returned, as fasthttp reuses its RequestCtx, so
	// that a request allocates almost nothing. Only for handlers that keep
	// none of those past their return, not even in a goroutine; see
	// docs/http1.md before turning it on. Default false.
	ReuseRequests bool

	// Logger receives handler panics (at error level, with the stack) and
	// misuse of the ResponseWriter (at warn level). Default
	// slog.Default().
	Logger *slog.Logger
}

// withDefaults returns c with its zero fields set to their defaults and its
// disabled timeouts set to 0.
func (c Config) withDefaults() Config {
	if c.MaxRequestLineBytes <= 0 {
		c.MaxRequestLineBytes = DefaultMaxRequestLineBytes
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.MaxRequestLineBytes > c.MaxHeaderBytes {
		c.MaxRequestLineBytes = c.MaxHeaderBytes
	}
	if c.MaxBodyBytes < 0 {
		c.MaxBodyBytes = 0
	}
	c.HeaderTimeout = timeout(c.HeaderTimeout, DefaultHeaderTimeout)
	c.BodyReadTimeout = timeout(c.BodyReadTimeout, DefaultBodyReadTimeout)
	c.IdleTimeout = timeout(c.IdleTimeout, DefaultIdleTimeout)
	c.WriteTimeout = timeout(c.WriteTimeout, DefaultWriteTimeout)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// timeout applies the convention for timeouts: def for 0, 0 (none) for a
// negative d, and d otherwise.
func timeout(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}
