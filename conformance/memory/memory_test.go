package memory_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/net/nettest"

	"github.com/ace-go/ace/conformance/memory"
	"github.com/ace-go/ace/core"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// pair returns both ends of a new connection on ln.
func pair(t *testing.T, ln *memory.Listener) (server core.Conn, client net.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	type result struct {
		c   core.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := ln.Accept(ctx)
		ch <- result{c, err}
	}()
	client, err := ln.Dial(ctx)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatalf("Accept: %v", r.err)
	}
	t.Cleanup(func() { _ = client.Close(); _ = r.c.Close() })
	return r.c, client
}

func TestDialAccept(t *testing.T) {
	ln := memory.Listen("svc")
	defer ln.Close()
	if got := ln.Addr(); got.Network() != "memory" || got.String() != "svc" {
		t.Errorf("Addr() = %s/%s, want memory/svc", got.Network(), got)
	}
	for i, want := range []string{"svc#1", "svc#2"} {
		srv, cl := pair(t, ln)
		info := srv.Info()
		if info.Transport != "memory" {
			t.Errorf("conn %d: Transport %q, want memory", i, info.Transport)
		}
		if info.LocalAddr.String() != "svc" || info.RemoteAddr.String() != want {
			t.Errorf("conn %d: server info local %v remote %v, want svc and %s", i, info.LocalAddr, info.RemoteAddr, want)
		}
		if cl.LocalAddr().String() != want || cl.RemoteAddr().String() != "svc" {
			t.Errorf("conn %d: client local %v remote %v, want %s and svc", i, cl.LocalAddr(), cl.RemoteAddr(), want)
		}
		if got := core.InfoOf(cl); got.Transport != "memory" || got.LocalAddr.String() != want {
			t.Errorf("conn %d: client info %+v", i, got)
		}
		go func() { _, _ = cl.Write([]byte("hi")) }()
		buf := make([]byte, 2)
		if _, err := io.ReadFull(srv, buf); err != nil || string(buf) != "hi" {
			t.Errorf("conn %d: read %q, %v", i, buf, err)
		}
	}
}

func TestAcceptContext(t *testing.T) {
	ln := memory.Listen("ctx")
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ln.Accept(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Accept with a cancelled context: %v, want context.Canceled", err)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer dcancel()
	if _, err := ln.Accept(dctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Accept past a deadline: %v, want context.DeadlineExceeded", err)
	}
}

func TestDialContext(t *testing.T) {
	ln := memory.Listen("dial")
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	// Nobody accepts: Dial waits until its context is done.
	if c, err := ln.Dial(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Dial with no Accept: %v, %v; want context.DeadlineExceeded", c, err)
	}
}

func TestClose(t *testing.T) {
	ln := memory.Listen("close")
	const waiters = 3
	errs := make(chan error, waiters)
	var wg sync.WaitGroup
	for range waiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := ln.Accept(context.Background())
			errs <- err
		}()
	}
	dialErr := make(chan error, 1)
	go func() {
		// May race with the Accept calls above and connect; Close must
		// then leave the connection alone. Only a refusal is checked.
		c, err := ln.Dial(context.Background())
		if c != nil {
			_ = c.Close()
		}
		dialErr <- err
	}()
	if err := <-dialErr; err != nil {
		t.Fatalf("Dial while Accept waits: %v", err)
	}
	if err := ln.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := ln.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	wg.Wait()
	close(errs)
	closed := 0
	for err := range errs {
		if errors.Is(err, net.ErrClosed) {
			closed++
		} else if err != nil {
			t.Errorf("Accept across Close: %v, want net.ErrClosed", err)
		}
	}
	if closed != waiters-1 {
		t.Errorf("%d Accept calls reported net.ErrClosed, want %d", closed, waiters-1)
	}
	if _, err := ln.Accept(context.Background()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
	}
	if _, err := ln.Dial(context.Background()); !errors.Is(err, memory.ErrRefused) {
		t.Errorf("Dial after Close: %v, want ErrRefused", err)
	}
}

func TestDialRefusedWhileWaiting(t *testing.T) {
	ln := memory.Listen("refuse")
	errc := make(chan error, 1)
	go func() {
		_, err := ln.Dial(context.Background())
		errc <- err
	}()
	_ = ln.Close()
	if err := <-errc; !errors.Is(err, memory.ErrRefused) {
		t.Errorf("Dial waiting across Close: %v, want ErrRefused", err)
	}
}

func TestTransport(t *testing.T) {
	var tr core.Transport = memory.Transport{}
	ln, err := tr.Listen(context.Background(), "t")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ln.Addr().String() != "t" {
		t.Errorf("Addr %v, want t", ln.Addr())
	}
	if _, ok := ln.(*memory.Listener); !ok {
		t.Errorf("Transport.Listen returned %T, want *memory.Listener", ln)
	}
}

func TestConn(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		ln := memory.Listen("nettest")
		ctx := context.Background()
		accepted := make(chan core.Conn, 1)
		go func() {
			c, _ := ln.Accept(ctx)
			accepted <- c
		}()
		cl, err := ln.Dial(ctx)
		if err != nil {
			return nil, nil, nil, err
		}
		srv := <-accepted
		stop = func() {
			_ = cl.Close()
			_ = srv.Close()
			_ = ln.Close()
		}
		return cl, srv, stop, nil
	})
}
