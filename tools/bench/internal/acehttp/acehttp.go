// Package acehttp starts the harness's Ace HTTP/1.1 servers: core's endpoint
// on the TCP transport, serving the http1 app with the harness's net/http
// handler. The server programs differ only in their http1 configuration.
package acehttp

import (
	"context"

	"github.com/ace-go/ace/apps/http1"
	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/tools/bench/internal/hello"
	"github.com/ace-go/ace/tools/bench/internal/serve"
	"github.com/ace-go/ace/transports/tcp"
)

// Start returns the start function of an Ace HTTP server whose http1 app
// has the configuration cfg and serves [hello.Handler].
func Start(cfg http1.Config) serve.StartFunc {
	return func(ctx context.Context, addr string) (serve.Server, error) {
		ln, err := tcp.Listen(ctx, addr)
		if err != nil {
			return nil, err
		}
		return serve.Endpoint{Endpoint: core.Start(ln, http1.New(hello.Handler, cfg), core.Config{})}, nil
	}
}
