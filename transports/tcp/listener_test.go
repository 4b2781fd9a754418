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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.True(t, ok && a.Port != 0 && a.IP.Equal(net.IPv4(127, 0, 0, 1)),
		"Addr() = %#v, want 127.0.0.1 with the port the system chose", l.Addr())
	server, client := pair(t, l)
	assert.Equal(t, a.String(), server.LocalAddr().String(), "accepted connection's LocalAddr")
	_ = client
}

func TestListenInvalidAddress(t *testing.T) {
	for _, addr := range []string{"", "unix:", "127.0.0.1", "localhost", "[::1"} {
		ln, err := Transport{}.Listen(context.Background(), addr)
		assert.ErrorIs(t, err, ErrInvalidAddress, "Listen(%q)", addr)
		assert.Nil(t, ln, "Listen(%q)", addr)
	}
}

func TestListenAddressInUse(t *testing.T) {
	l := listen(t, Transport{}, "127.0.0.1:0")
	_, err := Listen(context.Background(), l.Addr().String())
	require.Error(t, err, "second Listen on the same port")
	// core.Transport must not return a typed nil on error.
	ln, err := (Transport{}).Listen(context.Background(), l.Addr().String())
	assert.Error(t, err, "Transport.Listen")
	assert.Nil(t, ln, "Transport.Listen")
}

// TestInfo checks rule T2: a connection describes its transport and its ends.
func TestInfo(t *testing.T) {
	for _, tc := range networks(t) {
		t.Run(tc.name, func(t *testing.T) {
			l := listen(t, Transport{}, tc.addr)
			server, client := pair(t, l)
			info := server.Info()
			assert.Equal(t, tc.name, info.Transport, "Transport")
			assert.Equal(t, l.Addr().String(), info.LocalAddr.String(), "LocalAddr is the listener's")
			assert.Equal(t, l.Addr().Network(), info.LocalAddr.Network(), "LocalAddr is the listener's")
			if assert.NotNil(t, info.RemoteAddr, "RemoteAddr") {
				assert.Equal(t, client.LocalAddr().String(), info.RemoteAddr.String(), "RemoteAddr is the client's")
			}
			assert.Nil(t, info.TLS, "TLS")
			assert.Equal(t, info, core.InfoOf(server), "core.InfoOf is Info()")
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
			require.NoError(t, err)
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
			require.NoError(t, l.Close(), "Close")
			for _, ch := range blocked {
				assert.ErrorIs(t, await(t, ch).err, net.ErrClosed, "blocked Accept")
			}
			_, err = l.Accept(ctx)
			assert.ErrorIs(t, err, net.ErrClosed, "Accept after Close")
			for range 2 {
				assert.NoError(t, l.Close(), "second Close")
			}
		})
	}
}

func TestCloseKeepsAcceptedConns(t *testing.T) {
	l, err := Listen(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	server, client := pair(t, l)
	require.NoError(t, l.Close())
	_, err = client.Write([]byte("x"))
	require.NoError(t, err)
	buf := make([]byte, 1)
	_ = server.SetReadDeadline(time.Now().Add(patience))
	_, err = server.Read(buf)
	require.NoError(t, err, "read on accepted conn after listener Close")
	assert.Equal(t, "x", string(buf), "read on accepted conn after listener Close")
}

func TestAcceptCanceled(t *testing.T) {
	l := listen(t, Transport{}, "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	ch := acceptAsync(ctx, l)
	cancel()
	r := await(t, ch)
	require.ErrorIs(t, r.err, context.Canceled, "canceled Accept")
	require.Nil(t, r.c, "canceled Accept")
	// The listener is as good as new: the deadline was cleared.
	pair(t, l)
}

func TestAcceptDeadline(t *testing.T) {
	l := listen(t, Transport{}, "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, await(t, acceptAsync(ctx, l)).err, context.DeadlineExceeded)
}

// TestAcceptDoneContextTakesNothing: an Accept whose ctx is already done
// returns at once and leaves a waiting client to the next Accept.
func TestAcceptDoneContextTakesNothing(t *testing.T) {
	l := listen(t, Transport{}, "127.0.0.1:0")
	client := dial(t, l)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 3 {
		c, err := l.Accept(ctx)
		require.ErrorIs(t, err, context.Canceled, "Accept with a done ctx")
		require.Nil(t, c, "Accept with a done ctx")
	}
	server := accept(t, l)
	assert.Equal(t, client.LocalAddr().String(), server.RemoteAddr().String(), "accepted the waiting client")
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
		require.ErrorIs(t, await(t, results).err, context.Canceled)
	}

	// The others accept the next clients, one each.
	clients := make(map[string]bool)
	for i := range callers - canceled {
		clients[dialID(t, l, i)] = true
	}
	for range callers - canceled {
		r := await(t, results)
		require.NoError(t, r.err, "Accept after a cancellation")
		id := readID(t, r.c)
		require.True(t, clients[id], "accepted client %q, which is not a waiting client (or was accepted twice)", id)
		delete(clients, id)
	}
}

// dialID dials l and sends a client id, which readID reads on the accepted
// end. (Unix clients have no address to tell them apart.)
func dialID(t *testing.T, l *Listener, i int) string {
	t.Helper()
	id := fmt.Sprintf("%04d", i)
	_, err := dial(t, l).Write([]byte(id))
	require.NoError(t, err, "write id")
	return id
}

// readID reads the id that dialID sent.
func readID(t *testing.T, c net.Conn) string {
	t.Helper()
	buf := make([]byte, 4)
	_ = c.SetReadDeadline(time.Now().Add(patience))
	_, err := io.ReadFull(c, buf)
	require.NoError(t, err, "read id")
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
			require.True(t, want[id], "accepted client %q, which is not a waiting client (or was accepted twice)", id)
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
		require.NoError(t, err)
		<-done
		r := await(t, ch)
		if r.err != nil {
			require.ErrorIs(t, r.err, context.Canceled)
			r.c = accept(t, l)
		}
		require.Equal(t, client.LocalAddr().String(), r.c.RemoteAddr().String(), "accepted")
		_ = r.c.Close()
		_ = client.Close()
	}
}
