package tcp

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"testing"
	"time"
)

// sockopt reads an integer socket option of c, which has SyscallConn.
func sockopt(t *testing.T, c syscall.Conn, level, opt int) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var (
		v    int
		gerr error
	)
	if err := rc.Control(func(fd uintptr) {
		v, gerr = syscall.GetsockoptInt(int(fd), level, opt)
	}); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatalf("getsockopt(%d, %d): %v", level, opt, gerr)
	}
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
			if got := sockopt(t, c, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE); got != tc.keepAlive {
				t.Errorf("SO_KEEPALIVE = %d, want %d", got, tc.keepAlive)
			}
			if tc.keepAlive == 1 {
				if got := sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE); got != tc.idle {
					t.Errorf("TCP_KEEPIDLE = %d, want %d", got, tc.idle)
				}
				if got := sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL); got != tc.intv {
					t.Errorf("TCP_KEEPINTVL = %d, want %d", got, tc.intv)
				}
			}
			if got := sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_NODELAY); got != tc.noDelay {
				t.Errorf("TCP_NODELAY = %d, want %d", got, tc.noDelay)
			}
		})
	}
}

// TestReusePort binds two listeners to one port with SO_REUSEPORT and checks
// that the kernel hands connections to both.
func TestReusePort(t *testing.T) {
	tr := Transport{ReusePort: true}
	l1 := listen(t, tr, "127.0.0.1:0")
	if got := sockopt(t, l1.ln.(syscall.Conn), syscall.SOL_SOCKET, soReusePort); got != 1 {
		t.Fatalf("SO_REUSEPORT = %d on the listening socket, want 1", got)
	}
	if _, err := Listen(context.Background(), l1.Addr().String()); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Listen without ReusePort on a taken port = %v, want EADDRINUSE", err)
	}
	l2 := listen(t, tr, l1.Addr().String())
	if l1.Addr().String() != l2.Addr().String() {
		t.Fatalf("second listener on %v, want %v", l2.Addr(), l1.Addr())
	}

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
