// Package plainecho is the harness's baseline echo server: the plain Go
// way, one goroutine per connection copying what it reads back to the
// connection. The plain-echo command serves it, and the harness's own tests
// start it as their stand-in server.
//
// The copy is io.CopyBuffer through a 4 KiB buffer (the size of Ace's read
// buffer) on the connection seen as a bare reader and writer. Left to
// itself, io.Copy between two TCP connections splices through a kernel
// pipe, which holds two more file descriptors for every idle connection:
// 10,000 idle connections would then need 30,000 descriptors, and the
// 32 KiB buffer io.Copy allocates otherwise would only inflate the baseline's
// memory. Reads and writes being plain calls, /proc/<pid>/io counts them.
package plainecho

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"

	"github.com/ace-go/ace/tools/bench/internal/serve"
)

// server accepts connections and echoes each on a goroutine of its own.
type server struct {
	*serve.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// Start listens on addr and echoes every connection on a goroutine of its
// own, until Close.
func Start(ctx context.Context, addr string) (serve.Server, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &server{Listener: &serve.Listener{Listener: ln}, conns: make(map[net.Conn]struct{})}
	s.wg.Go(s.acceptLoop)
	return s, nil
}

func (s *server) acceptLoop() {
	for {
		c, err := s.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Go(func() { s.echo(c) })
	}
}

// readerOnly and writerOnly hide the connection's ReadFrom and WriteTo, so
// that io.CopyBuffer uses its buffer rather than splice.
type (
	readerOnly struct{ io.Reader }
	writerOnly struct{ io.Writer }
)

func (s *server) echo(c net.Conn) {
	buf := make([]byte, 4096)
	_, _ = io.CopyBuffer(writerOnly{c}, readerOnly{c}, buf)
	_ = c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Close stops accepting, closes every connection and waits for their
// goroutines.
func (s *server) Close() error {
	err := s.Listener.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}
