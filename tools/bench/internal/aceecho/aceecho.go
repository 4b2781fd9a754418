// Package aceecho starts the harness's Ace echo servers: core's endpoint on
// the TCP transport, serving the echo app in raw mode (RFC 862). The server
// programs differ only in their core configuration.
package aceecho

import (
	"context"

	"github.com/ace-go/ace/apps/echo"
	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/tools/bench/internal/serve"
	"github.com/ace-go/ace/transports/tcp"
)

// Start returns the start function of an Ace echo server whose endpoint has
// the configuration cfg.
func Start(cfg core.Config) serve.StartFunc {
	return func(ctx context.Context, addr string) (serve.Server, error) {
		ln, err := tcp.Listen(ctx, addr)
		if err != nil {
			return nil, err
		}
		return serve.Endpoint{Endpoint: core.Start(ln, echo.New(echo.Config{Mode: echo.Raw}), cfg)}, nil
	}
}
