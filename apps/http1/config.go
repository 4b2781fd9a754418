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

// Config configures an [App]. The zero value is useful: every field has a
// sensible default. A negative duration disables that timeout.
type Config struct {
	// MaxRequestLineBytes bounds the request line (method, target and
	// version, with its CRLF). A longer one is answered with 414 URI Too
	// Long. Default 8 KiB.
	MaxRequestLineBytes int

	// MaxHeaderBytes bounds the whole header section, request line
	// included; it also bounds the trailer section of a chunked body. A
	// larger one is answered with 431 Request Header Fields Too Large.
	// Default 64 KiB.
	MaxHeaderBytes int

	// MaxBodyBytes bounds a request body. A Content-Length over it is
	// answered with 413 Content Too Large before the handler runs; a
	// chunked body that grows over it makes the body's Read fail with an
	// *http.MaxBytesError, and the server answers 413 if the handler has
	// not answered. 0 or negative means no limit, as in net/http: handlers
	// that want one per route use http.MaxBytesReader.
	MaxBodyBytes int64

	// HeaderTimeout bounds the time from the first byte of a request (or
	// from the connection's start, for its first request; or, for a
	// request whose first bytes came with earlier pipelined requests,
	// from when those are answered) to the end of its header section. A
	// client that has sent part of a request by then
	// is answered with 408 Request Timeout; one that has sent nothing is
	// closed silently. Trickling bytes does not extend it. Default 10s.
	HeaderTimeout time.Duration

	// BodyReadTimeout bounds each wait for more of a request body, while
	// the handler reads it; a read that times out fails with an error
	// wrapping os.ErrDeadlineExceeded. A deadline set with
	// http.ResponseController.SetReadDeadline replaces it for the rest of
	// the request. Default 30s.
	BodyReadTimeout time.Duration

	// IdleTimeout bounds the wait for the next request on a keep-alive
	// connection. Default 60s.
	IdleTimeout time.Duration

	// WriteTimeout bounds each write to the connection: a client that
	// does not read for that long (or up to an eighth less: see
	// core.Server.SetWriteTimeout, which applies it) has its connection
	// closed. A deadline set with http.ResponseController.SetWriteDeadline
	// replaces it for the rest of the request. Default 30s. The endpoint's
	// own core.Config.WriteTimeout, when shorter, still applies.
	WriteTimeout time.Duration

	// ReuseRequests makes the server reuse what it gives a handler, once
	// the handler has returned, for a later request, possibly on another
	// connection, as fasthttp reuses its RequestCtx: the *http.Request,
	// its Header map, URL, Body and context, and the ResponseWriter.
	// Serving a request then allocates only the string its header section
	// is copied into (one for a batch of pipelined requests), which keeps
	// the garbage collector nearly idle under load. Without it, a request
	// leaves some 600 bytes behind for the collector (a bare GET; more with
	// each header field); with small requests pipelined, allocating and
	// collecting them takes a fifth to a quarter of the server's CPU time
	// (see BENCHMARKS.md: ace-http against ace-http-reuse). While the
	// program's live heap is small, most of that is the collector's pace,
	// which the program, not this package, sets: with GOGC=400 (or
	// debug.SetGCPercent, or a memory limit) it ran a fifth as often in
	// the benchmarks, and ace-http came within 5% of fasthttp's
	// rate with small requests pipelined.
	//
	// It is for handlers that keep none of those past their return, not
	// even in a goroutine they started: such a handler would read another
	// request's data, or write into another response. Middleware that
	// logs or traces after the handler returns, while still inside
	// ServeHTTP, is fine; http.TimeoutHandler, which returns while the
	// handler it wraps may still run, is not. Run the handler's tests
	// with -race and ReuseRequests: a goroutine that still reads a request
	// while the server resets it for the next one is reported as a data
	// race. Strings taken from the request (its method,
	// path, header values) stay valid: they are never reused. Default
	// false: each request gets new ones, as in net/http.
	ReuseRequests bool

	// ErrorLog receives handler panics (at error level, with the stack)
	// and misuse of the ResponseWriter (at warn level). Default
	// slog.Default().
	ErrorLog *slog.Logger
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
	c.HeaderTimeout = duration(c.HeaderTimeout, DefaultHeaderTimeout)
	c.BodyReadTimeout = duration(c.BodyReadTimeout, DefaultBodyReadTimeout)
	c.IdleTimeout = duration(c.IdleTimeout, DefaultIdleTimeout)
	c.WriteTimeout = duration(c.WriteTimeout, DefaultWriteTimeout)
	if c.ErrorLog == nil {
		c.ErrorLog = slog.Default()
	}
	return c
}

// duration returns def for 0, 0 (none) for a negative d, and d otherwise.
func duration(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}
