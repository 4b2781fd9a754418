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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, err, "Dial")
	r := <-ch
	require.NoError(t, r.err, "Accept")
	t.Cleanup(func() { _ = client.Close(); _ = r.c.Close() })
	return r.c, client
}

func TestDialAccept(t *testing.T) {
	ln := memory.Listen("svc")
	defer ln.Close()
	assert.Equal(t, "memory", ln.Addr().Network(), "Addr().Network()")
	assert.Equal(t, "svc", ln.Addr().String(), "Addr()")
	for i, want := range []string{"svc#1", "svc#2"} {
		srv, cl := pair(t, ln)
		info := srv.Info()
		assert.Equal(t, "memory", info.Transport, "conn %d: Transport", i)
		assert.Equal(t, "svc", info.LocalAddr.String(), "conn %d: server's local address", i)
		assert.Equal(t, want, info.RemoteAddr.String(), "conn %d: server's remote address", i)
		assert.Equal(t, want, cl.LocalAddr().String(), "conn %d: client's local address", i)
		assert.Equal(t, "svc", cl.RemoteAddr().String(), "conn %d: client's remote address", i)
		got := core.InfoOf(cl)
		assert.Equal(t, "memory", got.Transport, "conn %d: client info's Transport", i)
		assert.Equal(t, want, got.LocalAddr.String(), "conn %d: client info's LocalAddr", i)
		go func() { _, _ = cl.Write([]byte("hi")) }()
		buf := make([]byte, 2)
		_, err := io.ReadFull(srv, buf)
		assert.NoError(t, err, "conn %d: read", i)
		assert.Equal(t, "hi", string(buf), "conn %d: read", i)
	}
}

func TestAcceptContext(t *testing.T) {
	ln := memory.Listen("ctx")
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ln.Accept(ctx)
	assert.ErrorIs(t, err, context.Canceled, "Accept with a cancelled context")
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer dcancel()
	_, err = ln.Accept(dctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "Accept past a deadline")
}

func TestDialContext(t *testing.T) {
	ln := memory.Listen("dial")
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	// Nobody accepts: Dial waits until its context is done.
	_, err := ln.Dial(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "Dial with no Accept")
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
	require.NoError(t, <-dialErr, "Dial while Accept waits")
	assert.NoError(t, ln.Close(), "Close")
	assert.NoError(t, ln.Close(), "second Close")
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
	assert.Equal(t, waiters-1, closed, "Accept calls that reported net.ErrClosed")
	_, err := ln.Accept(context.Background())
	assert.ErrorIs(t, err, net.ErrClosed, "Accept after Close")
	_, err = ln.Dial(context.Background())
	assert.ErrorIs(t, err, memory.ErrRefused, "Dial after Close")
}

func TestDialRefusedWhileWaiting(t *testing.T) {
	ln := memory.Listen("refuse")
	errc := make(chan error, 1)
	go func() {
		_, err := ln.Dial(context.Background())
		errc <- err
	}()
	_ = ln.Close()
	assert.ErrorIs(t, <-errc, memory.ErrRefused, "Dial waiting across Close")
}

func TestTransport(t *testing.T) {
	var tr core.Transport = memory.Transport{}
	ln, err := tr.Listen(context.Background(), "t")
	require.NoError(t, err)
	defer ln.Close()
	assert.Equal(t, "t", ln.Addr().String(), "Addr")
	assert.IsType(t, (*memory.Listener)(nil), ln, "Transport.Listen")
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
