// Command nethttp is the harness's net/http server, serving the same
// handler as ace-http with the standard library's defaults.
//
// Usage:
//
//	nethttp [-port N] [-cpuprofile file] [-memprofile file]
package main

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/ace-go/ace/tools/bench/internal/hello"
	"github.com/ace-go/ace/tools/bench/internal/serve"
)

func main() { serve.Main("nethttp", start) }

type server struct {
	*serve.Listener
	srv  *http.Server
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
		srv:      &http.Server{Handler: hello.Handler},
		done:     make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(s.Listener) }()
	return s, nil
}

// Close closes the server and every connection, and waits for Serve.
func (s *server) Close() error {
	err := s.srv.Close()
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}
