// Command ace-echo is the harness's Ace echo server: core's endpoint on the
// TCP transport, serving the echo app in raw mode (RFC 862).
//
// Usage:
//
//	ace-echo [-port N] [-cpuprofile file] [-memprofile file]
//
// It prints "listening on <addr>" and answers the control commands of
// package serve on its standard input.
package main

import (
	"context"

	"github.com/ace-go/ace/apps/echo"
	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/tools/bench/internal/serve"
	"github.com/ace-go/ace/transports/tcp"
)

func main() { serve.Main("ace-echo", start) }

func start(ctx context.Context, addr string) (serve.Server, error) {
	ln, err := tcp.Listen(ctx, addr)
	if err != nil {
		return nil, err
	}
	return serve.Endpoint{Endpoint: core.Start(ln, echo.New(echo.Config{Mode: echo.Raw}), core.Config{})}, nil
}
