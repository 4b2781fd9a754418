package tcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
)

// result is what one Accept call returned.
type result struct {
	c   core.Conn
	err error
}

// acceptAsync calls l.Accept(ctx) on a new goroutine and delivers the result.
func acceptAsync(ctx context.Context, l *Listener) <-chan result {
	ch := make(chan result, 1)
	go func() {
		c, err := l.Accept(ctx)
		ch <- result{c, err}
	}()
	return ch
}

// await waits for a result within patience.
func await(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		if r.c != nil {
			t.Cleanup(func() { _ = r.c.Close() })
		}
		return r
	case <-time.After(patience):
		t.Fatal("Accept did not return")
		return result{}
	}
}

func TestListenPortZero(t *testing.T) {
	l := listen(t, Transport{}, "127.0.0.1:0")
	a, ok := l.Addr().(*net.TCPAddr)
	if !ok || a.Port == 0 || !a.IP.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("Addr() = %#v, want 127.0.0.1 with the port the system chose", l.Addr())
	}
	server, client := pair(t, l)
	if got := server.LocalAddr().String(); got != a.String() {
		t.Errorf("accepted connection's LocalAddr = %s, want %s", got, a)
	}
	_ = client
}

func TestListenInvalidAddress(t *testing.T) {
	for _, addr := range []string{"", "unix:", "127.0.0.1", "localhost", "[::1"} {
		ln, err := Transport{}.Listen(context.Background(), addr)
		if !errors.Is(err, ErrInvalidAddress) {
			t.Errorf("Listen(%q) error = %v, want ErrInvalidAddress", addr, err)
		}
		if ln != nil {
			t.Errorf("Listen(%q) = %#v, want a nil Listener", addr, ln)
		}
	}
}

func TestListenAddressInUse(t *testing.T) {
	l := listen(t, Transport{}, "127.0.0.1:0")
	_, err := Listen(context.Background(), l.Addr().String())
	if err == nil {
		t.Fatal("second Listen on the same port succeeded")
	}
	// core.Transport must not return a typed nil on error.
	if ln, err := (Transport{}).Listen(context.Background(), l.Addr().String()); ln != nil || err == nil {
		t.Errorf("Transport.Listen = %v, %v; want nil and an error", ln, err)
	}
}

// TestInfo checks rule T2: a connection describes its transport and its ends.
func TestInfo(t *testing.T) {
	for _, tc := range networks(t) {
		t.Run(tc.name, func(t *testing.T) {
			l := listen(t, Transport{}, tc.addr)
			server, client := pair(t, l)
			info := server.Info()
			if info.Transport != tc.name {
				t.Errorf("Transport = %q, want %q", info.Transport, tc.name)
			}
			if info.LocalAddr.String() != l.Addr().String() || info.LocalAddr.Network() != l.Addr().Network() {
				t.Errorf("LocalAddr = %v, want the listener's %v", info.LocalAddr, l.Addr())
			}
			if info.RemoteAddr == nil || info.RemoteAddr.String() != client.LocalAddr().String() {
				t.Errorf("RemoteAddr = %v, want the client's %v", info.RemoteAddr, client.LocalAddr())
			}
			if info.TLS != nil {
				t.Errorf("TLS = %v, want nil", info.TLS)
			}
			if got := core.InfoOf(server); got != info {
				t.Errorf("core.InfoOf = %+v, want Info() %+v", got, info)
			}
		})
	}
}

// TestCloseUnblocksAccept checks rule T1: Close wakes every blocked Accept
// with an error wrapping net.ErrClosed, later calls get it too, and Close is
// idempotent.
func TestCloseUnblocksAccept(t *testing.T) {
	for _, nw := range networks(t) {
		addr := nw.addr
		t.Run(nw.name, func(t *testing.T) {
			l, err := Listen(context.Background(), addr)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var blocked []<-chan result
			for i := range 10 {
				c := ctx
				if i%2 == 0 {
					c = context.Background() // the AfterFunc-free path
				}
				blocked = append(blocked, acceptAsync(c, l))
			}
			if err := l.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			for _, ch := range blocked {
				if r := await(t, ch); !errors.Is(r.err, net.ErrClosed) {
					t.Errorf("blocked Accept = %v, %v; want an error wrapping net.ErrClosed", r.c, r.err)
				}
			}
			if _, err := l.Accept(ctx); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Accept after Close = %v, want an error wrapping net.ErrClosed", err)
			}
			for range 2 {
				if err := l.Close(); err != nil {
					t.Errorf("second Close = %v, want nil", err)
				}
			}
		})
	}
}

func TestCloseKeepsAcceptedConns(t *testing.T) {
	l, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server, client := pair(t, l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	_ = server.SetReadDeadline(time.Now().Add(patience))
	if _, err := server.Read(buf); err != nil || buf[0] != 'x' {
		t.Errorf("read on accepted conn after listener Close = %q, %v", buf, err)
	}
}

func TestAcceptCanceled(t *testing.T) {
	l := listen(t, Transport{}, "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	ch := acceptAsync(ctx, l)
	cancel()
	if r := await(t, ch); !errors.Is(r.err, context.Canceled) || r.c != nil {
		t.Fatalf("canceled Accept = %v, %v; want context.Canceled", r.c, r.err)
	}
	// The listener is as good as new: the deadline was cleared.
	pair(t, l)
}

func TestAcceptDeadline(t *testing.T) {
	l := listen(t, Transport{}, "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if r := await(t, acceptAsync(ctx, l)); !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("Accept = %v, %v; want context.DeadlineExceeded", r.c, r.err)
	}
}

// TestAcceptDoneContextTakesNothing: an Accept whose ctx is already done
// returns at once and leaves a waiting client to the next Accept.
func TestAcceptDoneContextTakesNothing(t *testing.T) {
	l := listen(t, Transport{}, "127.0.0.1:0")
	client := dial(t, l)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 3 {
		if c, err := l.Accept(ctx); !errors.Is(err, context.Canceled) || c != nil {
			t.Fatalf("Accept with a done ctx = %v, %v; want context.Canceled", c, err)
		}
	}
	server := accept(t, l)
	if server.RemoteAddr().String() != client.LocalAddr().String() {
		t.Errorf("accepted %v, want the waiting client %v", server.RemoteAddr(), client.LocalAddr())
	}
}

// TestCancelOneOfMany is the heart of T1 for ace: 50 servers block in Accept
// on one listener; canceling one returns it promptly and the 49 others go on
// accepting.
func TestCancelOneOfMany(t *testing.T) {
	for _, nw := range networks(t) {
		addr := nw.addr
		t.Run(nw.name, func(t *testing.T) {
			for _, canceled := range []int{1, 10} {
				t.Run(fmt.Sprint(canceled), func(t *testing.T) {
					testCancelSome(t, addr, 50, canceled)
				})
			}
		})
	}
}

func testCancelSome(t *testing.T, addr string, callers, canceled int) {
	l := listen(t, Transport{}, addr)
	cancels := make([]context.CancelFunc, callers)
	results := make(chan result, callers)
	var started sync.WaitGroup
	for i := range callers {
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		started.Add(1)
		go func() {
			started.Done()
			c, err := l.Accept(ctx)
			results <- result{c, err}
		}()
	}
	defer func() {
		for _, cancel := range cancels {
			cancel()
		}
	}()
	started.Wait()

	// Cancel some at once; each returns promptly with the context's error.
	for _, cancel := range cancels[:canceled] {
		go cancel()
	}
	for range canceled {
		r := await(t, results)
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("Accept = %v, %v; want context.Canceled", r.c, r.err)
		}
	}

	// The others accept the next clients, one each.
	clients := make(map[string]bool)
	for i := range callers - canceled {
		clients[dialID(t, l, i)] = true
	}
	for range callers - canceled {
		r := await(t, results)
		if r.err != nil {
			t.Fatalf("Accept after a cancellation: %v", r.err)
		}
		id := readID(t, r.c)
		if !clients[id] {
			t.Fatalf("accepted client %q, which is not a waiting client (or was accepted twice)", id)
		}
		delete(clients, id)
	}
}

// dialID dials l and sends a client id, which readID reads on the accepted
// end. (Unix clients have no address to tell them apart.)
func dialID(t *testing.T, l *Listener, i int) string {
	t.Helper()
	id := fmt.Sprintf("%04d", i)
	if _, err := dial(t, l).Write([]byte(id)); err != nil {
		t.Fatalf("write id: %v", err)
	}
	return id
}

// readID reads the id that dialID sent.
func readID(t *testing.T, c net.Conn) string {
	t.Helper()
	buf := make([]byte, 4)
	_ = c.SetReadDeadline(time.Now().Add(patience))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("read id: %v", err)
	}
	return string(buf)
}

// TestCancelStress races cancellations against accepts and dials on many
// goroutines (run it with -race): every client is accepted exactly once,
// whether or not the Accept that took it had its ctx canceled meanwhile.
func TestCancelStress(t *testing.T) {
	for _, nw := range networks(t) {
		addr := nw.addr
		t.Run(nw.name, func(t *testing.T) {
			testCancelStress(t, addr)
		})
	}
}

func testCancelStress(t *testing.T, addr string) {
	const (
		acceptors = 20
		clients   = 300
	)
	l := listen(t, Transport{}, addr)
	accepted := make(chan core.Conn, clients)
	var wg sync.WaitGroup
	for a := range acceptors {
		wg.Go(func() {
			for i := 0; ; i++ {
				ctx, cancel := context.WithCancel(context.Background())
				if (a+i)%3 == 0 {
					go cancel() // races with the accept below
				}
				c, err := l.Accept(ctx)
				cancel()
				switch {
				case err == nil:
					accepted <- c
				case errors.Is(err, context.Canceled):
				case errors.Is(err, net.ErrClosed):
					return
				default:
					t.Errorf("Accept: %v", err)
					return
				}
			}
		})
	}
	defer wg.Wait()
	defer l.Close()

	want := make(map[string]bool)
	for i := range clients {
		want[dialID(t, l, i)] = true
	}
	timeout := time.After(patience)
	for range clients {
		select {
		case c := <-accepted:
			id := readID(t, c)
			_ = c.Close()
			if !want[id] {
				t.Fatalf("accepted client %q, which is not a waiting client (or was accepted twice)", id)
			}
			delete(want, id)
		case <-timeout:
			t.Fatalf("%d clients never accepted", len(want))
		}
	}
}

// TestCancelRaceKeepsClient cancels an Accept just as a client arrives:
// either that Accept returns the client, or a later one does.
func TestCancelRaceKeepsClient(t *testing.T) {
	l := listen(t, Transport{}, "127.0.0.1:0")
	for range 100 {
		ctx, cancel := context.WithCancel(context.Background())
		ch := acceptAsync(ctx, l)
		d := net.Dialer{Timeout: patience}
		done := make(chan struct{})
		go func() {
			defer close(done)
			cancel()
		}()
		client, err := d.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		<-done
		r := await(t, ch)
		if r.err != nil {
			if !errors.Is(r.err, context.Canceled) {
				t.Fatalf("Accept: %v", r.err)
			}
			r.c = accept(t, l)
		}
		if r.c.RemoteAddr().String() != client.LocalAddr().String() {
			t.Fatalf("accepted %v, want %v", r.c.RemoteAddr(), client.LocalAddr())
		}
		_ = r.c.Close()
		_ = client.Close()
	}
}
