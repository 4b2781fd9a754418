package core_test

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/ace-go/ace/core"
)

// testListener adapts a TCP listener on 127.0.0.1 to core.Listener for core's
// own tests (core cannot import transports). One pump goroutine accepts and
// hands connections to Accept callers through a channel; it ends on Close.
type testListener struct {
	ln     net.Listener
	conns  chan net.Conn
	errs   chan error // injected accept errors, returned before conns
	closed chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
}

func listenTCP(tb interface{ Fatal(...any) }) *testListener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	l := &testListener{
		ln:     ln,
		conns:  make(chan net.Conn),
		errs:   make(chan error, 16),
		closed: make(chan struct{}),
	}
	l.wg.Add(1)
	go l.pump()
	return l
}

func (l *testListener) pump() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		select {
		case l.conns <- c:
		case <-l.closed:
			_ = c.Close()
			return
		}
	}
}

func (l *testListener) Accept(ctx context.Context) (core.Conn, error) {
	select {
	case err := <-l.errs:
		return nil, err
	default:
	}
	select {
	case c := <-l.conns:
		return newTestConn(c.(*net.TCPConn)), nil
	case <-l.closed:
		return nil, fmt.Errorf("test listener: %w", net.ErrClosed)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *testListener) Close() error {
	err := net.ErrClosed
	l.once.Do(func() {
		close(l.closed)
		err = l.ln.Close()
		l.wg.Wait()
	})
	return err
}

func (l *testListener) Addr() net.Addr { return l.ln.Addr() }

func (c *testConn) Info() core.ConnInfo {
	return core.ConnInfo{Transport: "test", LocalAddr: c.LocalAddr(), RemoteAddr: c.RemoteAddr()}
}
