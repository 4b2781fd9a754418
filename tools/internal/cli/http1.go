package cli

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/ace-go/ace/apps/http1"
	"github.com/ace-go/ace/core"
)

// http1ALPN are the ALPN protocol IDs of HTTP/1.x (RFC 7301); http/1.1 is
// what http1 offers over TLS by default.
var http1ALPN = []string{"http/1.1", "http/1.0"}

// http1Spec is `ace serve http1`.
var http1Spec = appSpec{
	name:    "http1",
	summary: "HTTP/1.1 server (package apps/http1) serving a demo handler",
	doc: `Serves the HTTP/1.1 app (package github.com/ace-go/ace/apps/http1) running its
demo handler, a plain net/http Handler:
  GET /             a short greeting
  /echo             any method: the request body back as the response body
  GET /stream?n=N   N lines (default 10), each flushed as it is written
  GET /files/...    the files under --root, through http.FileServer
                    (ranges, If-Modified-Since), when --root is given;
                    a path with a name starting with a dot (.git, .env)
                    anywhere in it gets 404, and listings omit such names

Requests are parsed strictly (RFC 9112); keep-alive, pipelining, chunked
bodies both ways, Expect: 100-continue and HTTP/1.0 clients are served. A
request over a limit is answered with its status (413, 414, 431) and the
connection closed. On shutdown, requests in flight finish with
"Connection: close" and idle connections close at once.

Transports: tcp and tls. Over tls the server offers ALPN http/1.1 unless
--alpn says otherwise. HTTP over QUIC is HTTP/3, which this app does not
speak, so --transport quic is refused. Its handlers may block, so
--event-loop is refused too.

Try it:
  ace serve http1 --root . &
  curl http://127.0.0.1:8080/
  curl --data-binary 'hello' http://127.0.0.1:8080/echo
  curl -N 'http://127.0.0.1:8080/stream?n=3'

  ace certs --dir .certs
  ace serve http1 --transport tls --cert .certs/cert.pem --key .certs/key.pem &
  curl --cacert .certs/ca.pem https://localhost:8080/

The certificates go to a dot-directory, which --root never serves.`,
	alpn: []string{"http/1.1"},
	checkALPN: func(protos []string) error {
		for _, p := range protos {
			if p != http1ALPN[0] && p != http1ALPN[1] {
				return fmt.Errorf("http1 speaks HTTP/1.x only: --alpn may list http/1.1 and http/1.0, not %q", p)
			}
		}
		return nil
	},
	noQUIC: "http1 cannot be served over QUIC: HTTP over QUIC is HTTP/3, which http1 does not speak; use --transport tcp or tls",
	noEventLoop: "http1 cannot be served with --event-loop: its net/http Handlers may block, " +
		"which would hold up every connection of a loop; leave --event-loop off",
	flags: func(fs *flag.FlagSet) func(set map[string]bool, log *slog.Logger) (core.App, []any, error) {
		var root string
		var cfg http1.Config
		fs.StringVar(&root, "root", "",
			"`directory` served under /files/, except names starting with a\n"+
				"dot (.git, .env), which get 404; empty for no /files/")
		fs.DurationVar(&cfg.HeaderTimeout, "header-timeout", http1.DefaultHeaderTimeout,
			"longest wait for a request's header section, from its first\n"+
				"byte (a partial request gets 408); 0 for none")
		fs.DurationVar(&cfg.BodyReadTimeout, "body-read-timeout", http1.DefaultBodyReadTimeout,
			"longest wait for more of a request body while the handler\n"+
				"reads it; 0 for none")
		fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", http1.DefaultIdleTimeout,
			"longest wait for the next request on a keep-alive connection;\n"+
				"0 for none")
		fs.DurationVar(&cfg.WriteTimeout, "write-timeout", http1.DefaultWriteTimeout,
			"longest a write may wait for a client that does not read;\n"+
				"the connection is closed after it; 0 for none")
		fs.IntVar(&cfg.MaxRequestLineBytes, "max-request-line-bytes", http1.DefaultMaxRequestLineBytes,
			"longest request line, in `bytes`; a longer one gets 414")
		fs.IntVar(&cfg.MaxHeaderBytes, "max-header-bytes", http1.DefaultMaxHeaderBytes,
			"largest header section, request line included, in `bytes`;\n"+
				"a larger one gets 431")
		fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", 0,
			"largest request body, in `bytes`; a larger one gets 413;\n"+
				"0 for no limit")
		fs.BoolVar(&cfg.ReuseRequests, "reuse-requests", false,
			"reuse each request's *http.Request, header map, URL and\n"+
				"context for later requests (the demo keeps none of them\n"+
				"past a request): fewer allocations, a quieter GC")
		return func(set map[string]bool, log *slog.Logger) (core.App, []any, error) {
			for _, t := range []struct {
				name string
				d    *time.Duration
			}{
				{"header-timeout", &cfg.HeaderTimeout},
				{"body-read-timeout", &cfg.BodyReadTimeout},
				{"idle-timeout", &cfg.IdleTimeout},
				{"write-timeout", &cfg.WriteTimeout},
			} {
				switch {
				case *t.d < 0:
					return nil, nil, fmt.Errorf("--%s must not be negative, not %v", t.name, *t.d)
				case *t.d == 0:
					*t.d = -1 // http1.Config's "none"; its 0 is the default
				}
			}
			switch {
			case cfg.MaxRequestLineBytes < 1:
				return nil, nil, fmt.Errorf("--max-request-line-bytes must be at least 1, not %d", cfg.MaxRequestLineBytes)
			case cfg.MaxHeaderBytes < 1:
				return nil, nil, fmt.Errorf("--max-header-bytes must be at least 1, not %d", cfg.MaxHeaderBytes)
			case set["max-request-line-bytes"] && cfg.MaxRequestLineBytes > cfg.MaxHeaderBytes:
				return nil, nil, fmt.Errorf("--max-request-line-bytes (%d) must not exceed --max-header-bytes (%d), which includes the request line",
					cfg.MaxRequestLineBytes, cfg.MaxHeaderBytes)
			case cfg.MaxBodyBytes < 0:
				return nil, nil, fmt.Errorf("--max-body-bytes must not be negative, not %d", cfg.MaxBodyBytes)
			}
			attrs := []any{"app", "http1"}
			if cfg.ReuseRequests {
				attrs = append(attrs, "reuse_requests", true)
			}
			if root != "" {
				fi, err := os.Stat(root)
				if err != nil {
					return nil, nil, fmt.Errorf("--root: %w", err)
				}
				if !fi.IsDir() {
					return nil, nil, errors.New("--root " + root + " is not a directory")
				}
				attrs = append(attrs, "root", root)
			}
			cfg.Logger = log
			return http1.New(http1.Demo(root), cfg), attrs, nil
		}
	},
}
