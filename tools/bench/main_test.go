package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/ace-go/ace/tools/bench/internal/serve"
)

// testServerEnv, when set in the environment, makes the test binary run as a
// server program instead of running tests: the tests of Process and
// MeasureIdle start it, so that they need not build anything.
const testServerEnv = "BENCH_TEST_SERVER"

func TestMain(m *testing.M) {
	switch os.Getenv(testServerEnv) {
	case "":
	case "echo":
		serve.Main("test-echo", startTestEcho) // exits
	case "mute":
		// Prints something other than its address, then waits for
		// its input to end.
		fmt.Println("hello")
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	default:
		os.Exit(2)
	}
	goleak.VerifyTestMain(m)
}

// startTestServer starts the test binary as the server program kind.
func startTestServer(t *testing.T, kind string) (*Process, error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(testServerEnv, kind)
	return StartServer(t.Context(), "test-"+kind, exe, "-port", "0")
}

// testEcho is a goroutine-per-connection echo server.
type testEcho struct {
	*serve.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func startTestEcho(ctx context.Context, addr string) (serve.Server, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &testEcho{Listener: &serve.Listener{Listener: ln}, conns: make(map[net.Conn]struct{})}
	s.wg.Go(func() {
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
			s.wg.Go(func() {
				// Hidden behind bare interfaces, the connection is
				// copied with read and write rather than splice, so
				// that /proc/<pid>/io counts the calls.
				_, _ = io.Copy(struct{ io.Writer }{c}, struct{ io.Reader }{c})
				_ = c.Close()
			})
		}
	})
	return s, nil
}

func (s *testEcho) Close() error {
	err := s.Listener.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}
