// Command gnet-echo is the harness's github.com/panjf2000/gnet/v2 echo
// server: an event loop per core (multicore), writing back in OnTraffic
// whatever it reads.
//
// Usage:
//
//	gnet-echo [-port N] [-cpuprofile file] [-memprofile file]
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/ace-go/ace/tools/bench/internal/serve"
)

func main() { serve.Main("gnet-echo", start) }

// server is the gnet event handler.
type server struct {
	gnet.BuiltinEventEngine
	eng      gnet.Engine
	addr     net.Addr
	accepted atomic.Uint64
	booted   chan error    // receives the boot's outcome
	done     chan struct{} // closed when gnet.Run returns
	runErr   error
}

func start(ctx context.Context, addr string) (serve.Server, error) {
	s := &server{booted: make(chan error, 1), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.runErr = gnet.Run(s, "tcp://"+addr,
			gnet.WithMulticore(true),
			gnet.WithLogger(stderrLogger{}))
		// OnBoot never ran if Run failed early; this send is then the
		// boot's outcome, and otherwise it is dropped.
		select {
		case s.booted <- fmt.Errorf("gnet: %w", errors.Join(s.runErr, errors.New("engine stopped"))):
		default:
		}
	}()
	select {
	case err := <-s.booted:
		if err != nil {
			return nil, err
		}
		return s, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// OnBoot learns the address the engine listens on, from a duplicate of its
// listening socket.
func (s *server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	fd, err := eng.Dup()
	if err == nil {
		var sa syscall.Sockaddr
		sa, err = syscall.Getsockname(fd)
		_ = syscall.Close(fd)
		if in4, ok := sa.(*syscall.SockaddrInet4); ok && err == nil {
			s.addr = &net.TCPAddr{IP: net.IP(in4.Addr[:]), Port: in4.Port}
		} else if err == nil {
			err = fmt.Errorf("gnet: listening on an unexpected address %v", sa)
		}
	}
	s.booted <- err
	if err != nil {
		return gnet.Shutdown
	}
	return gnet.None
}

// OnOpen counts the connection.
func (s *server) OnOpen(gnet.Conn) ([]byte, gnet.Action) {
	s.accepted.Add(1)
	return nil, gnet.None
}

// OnTraffic echoes everything buffered.
func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	buf, err := c.Next(-1)
	if err != nil {
		return gnet.Close
	}
	if _, err := c.Write(buf); err != nil {
		return gnet.Close
	}
	return gnet.None
}

func (s *server) Addr() net.Addr   { return s.addr }
func (s *server) Accepted() uint64 { return s.accepted.Load() }

// Close stops the engine, waiting at most five seconds for its connections.
func (s *server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.eng.Stop(ctx)
	<-s.done
	return err
}

// stderrLogger sends gnet's logs to standard error, which the harness keeps
// for its error messages; gnet's own logger writes to standard output, where
// the control protocol runs.
type stderrLogger struct{}

var log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

func (stderrLogger) Debugf(format string, args ...any) { log.Debug(fmt.Sprintf(format, args...)) }
func (stderrLogger) Infof(format string, args ...any)  { log.Info(fmt.Sprintf(format, args...)) }
func (stderrLogger) Warnf(format string, args ...any)  { log.Warn(fmt.Sprintf(format, args...)) }
func (stderrLogger) Errorf(format string, args ...any) { log.Error(fmt.Sprintf(format, args...)) }
func (stderrLogger) Fatalf(format string, args ...any) {
	log.Error(fmt.Sprintf(format, args...))
	os.Exit(1)
}
