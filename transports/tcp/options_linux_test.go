package tcp

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sockopt reads an integer socket option of c, which has SyscallConn.
func sockopt(t *testing.T, c syscall.Conn, level, opt int) int {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var (
		v    int
		gerr error
	)
	require.NoError(t, rc.Control(func(fd uintptr) {
		v, gerr = syscall.GetsockoptInt(int(fd), level, opt)
	}))
	require.NoError(t, gerr, "getsockopt(%d, %d)", level, opt)
	return v
}

// TestOptions reads back, on an accepted connection, the keep-alive and
// TCP_NODELAY settings each Transport asks for.
func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tr         Transport
		keepAlive  int // SO_KEEPALIVE
		idle, intv int // TCP_KEEPIDLE, TCP_KEEPINTVL in seconds, when keepAlive is 1
		noDelay    int // TCP_NODELAY
	}{
		{"zero", Transport{}, 1, 15, 15, 1},
		{"period", Transport{KeepAlive: 42 * time.Second}, 1, 42, 42, 1},
		{"nokeepalive", Transport{KeepAlive: -1}, 0, 0, 0, 1},
		{"nagle", Transport{Nagle: true}, 1, 15, 15, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := listen(t, tc.tr, "127.0.0.1:0")
			server, _ := pair(t, l)
			c := server.(*Conn)
			assert.Equal(t, tc.keepAlive, sockopt(t, c, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE), "SO_KEEPALIVE")
			if tc.keepAlive == 1 {
				assert.Equal(t, tc.idle, sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE), "TCP_KEEPIDLE")
				assert.Equal(t, tc.intv, sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL), "TCP_KEEPINTVL")
			}
			assert.Equal(t, tc.noDelay, sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_NODELAY), "TCP_NODELAY")
		})
	}
}

// TestReusePort binds two listeners to one port with SO_REUSEPORT and checks
// that the kernel hands connections to both.
func TestReusePort(t *testing.T) {
	tr := Transport{ReusePort: true}
	l1 := listen(t, tr, "127.0.0.1:0")
	require.Equal(t, 1, sockopt(t, l1.ln.(syscall.Conn), syscall.SOL_SOCKET, soReusePort), "SO_REUSEPORT on the listening socket")
	_, err := Listen(context.Background(), l1.Addr().String())
	require.ErrorIs(t, err, syscall.EADDRINUSE, "Listen without ReusePort on a taken port")
	l2 := listen(t, tr, l1.Addr().String())
	require.Equal(t, l1.Addr().String(), l2.Addr().String(), "second listener's address")

	// Each listener takes what the kernel gives it, until both got some.
	got := make(chan int, 2)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i, l := range []*Listener{l1, l2} {
		wg.Go(func() {
			for {
				c, err := l.Accept(context.Background())
				if err != nil {
					return
				}
				_ = c.Close()
				select {
				case got <- i:
				default:
				}
			}
		})
	}
	defer func() {
		_ = l1.Close()
		_ = l2.Close()
	}()
	seen := [2]bool{}
	deadline := time.After(patience)
	for !seen[0] || !seen[1] {
		dial(t, l1)
		select {
		case i := <-got:
			seen[i] = true
		case <-deadline:
			t.Fatalf("connections reached listeners %v, want both", seen)
		}
	}
}
