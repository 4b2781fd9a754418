// Command fasthttp is the harness's github.com/valyala/fasthttp server,
// with a handler equivalent to ace-http's: 200 with the 13-byte body
// "Hello, World!" as text/plain, and no Server header (net/http sends none).
//
// Usage:
//
//	fasthttp [-port N] [-cpuprofile file] [-memprofile file]
package main

import (
	"context"
	"net"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/ace-go/ace/tools/bench/internal/hello"
	"github.com/ace-go/ace/tools/bench/internal/serve"
)

func main() { serve.Main("fasthttp", start) }

type server struct {
	*serve.Listener
	srv  *fasthttp.Server
	done chan error
}

func start(ctx context.Context, addr string) (serve.Server, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &server{
		Listener: &serve.Listener{Listener: ln},
		srv: &fasthttp.Server{
			Handler:               func(ctx *fasthttp.RequestCtx) { ctx.SetBody(hello.Body) },
			NoDefaultServerHeader: true,
		},
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(s.Listener) }()
	return s, nil
}

// Close stops the server, closing its connections (waiting for them at most
// five seconds), and waits for Serve.
func (s *server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.ShutdownWithContext(ctx)
	if serr := <-s.done; serr != nil {
		return serr
	}
	return err
}
