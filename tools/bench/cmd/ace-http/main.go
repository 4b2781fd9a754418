// Command ace-http is the harness's Ace HTTP/1.1 server: core's endpoint on
// the TCP transport, serving the http1 app with a plain net/http handler
// that answers "Hello, World!".
//
// Usage:
//
//	ace-http [-port N] [-cpuprofile file] [-memprofile file]
//
// It prints "listening on <addr>" and answers the control commands of
// package serve on its standard input.
package main

import (
	"context"

	"github.com/ace-go/ace/apps/http1"
	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/tools/bench/internal/hello"
	"github.com/ace-go/ace/tools/bench/internal/serve"
	"github.com/ace-go/ace/transports/tcp"
)

func main() { serve.Main("ace-http", start) }

func start(ctx context.Context, addr string) (serve.Server, error) {
	ln, err := tcp.Listen(ctx, addr)
	if err != nil {
		return nil, err
	}
	return serve.Endpoint{Endpoint: core.Start(ln, http1.New(hello.Handler, http1.Config{}), core.Config{})}, nil
}
