// Package memory is an in-memory transport for ace: listeners and
// connections that live inside one process and never touch the network.
//
// It is meant for app authors' tests. A [Listener] implements core.Listener,
// so an app can be served by core.Start on it exactly as on TCP, and
// [Listener.Dial] opens a client connection to it. Connections are built on
// net.Pipe: they are synchronous, unbuffered byte streams that support
// deadlines, and each end reports a [core.ConnInfo] whose transport is
// "memory".
//
// Dial waits until a server accepts the connection, as if the listen backlog
// were empty; after Close, Dial fails with [ErrRefused] and Accept with an
// error that wraps net.ErrClosed.
package memory

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/ace-go/ace/core"
)

// Network is the network name of every memory address and the transport
// name reported by every memory connection.
const Network = "memory"

// ErrRefused is returned by Dial when the listener is closed.
var ErrRefused = errors.New("memory: connection refused")

// Addr is the address of a memory listener or connection end. A listener's
// address is the name given to Listen; the client end of its n-th connection
// is "name#n".
type Addr string

// Network returns "memory".
func (Addr) Network() string { return Network }

// String returns the address itself.
func (a Addr) String() string { return string(a) }

// Listener is an in-memory listener. It implements core.Listener. Its methods
// are safe for concurrent use.
type Listener struct {
	addr    Addr
	conns   chan *Conn // hands server ends from Dial to Accept
	done    chan struct{}
	once    sync.Once
	counter atomic.Uint64
}

// Listen returns a listener whose address is name. Names are labels only:
// clients reach a listener through its Dial method, so two listeners may
// share a name.
func Listen(name string) *Listener {
	return &Listener{
		addr:  Addr(name),
		conns: make(chan *Conn),
		done:  make(chan struct{}),
	}
}

// Accept waits for a client to Dial and returns the server end of the new
// connection. It returns ctx.Err() when ctx is done first, and an error that
// wraps net.ErrClosed once the listener is closed.
func (l *Listener) Accept(ctx context.Context) (core.Conn, error) {
	select {
	case <-l.done:
		return nil, l.closedErr()
	default:
	}
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, l.closedErr()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *Listener) closedErr() error {
	return fmt.Errorf("memory: accept on %s: %w", l.addr, net.ErrClosed)
}

// Dial connects to the listener and returns the client end of the new
// connection once a server has accepted it. It returns ctx.Err() if ctx is
// done first, and an error wrapping ErrRefused if the listener is closed.
func (l *Listener) Dial(ctx context.Context) (net.Conn, error) {
	select {
	case <-l.done:
		return nil, fmt.Errorf("memory: dial %s: %w", l.addr, ErrRefused)
	default:
	}
	n := l.counter.Add(1)
	clientAddr := Addr(string(l.addr) + "#" + strconv.FormatUint(n, 10))
	cp, sp := net.Pipe()
	client := newConn(cp, clientAddr, l.addr)
	server := newConn(sp, l.addr, clientAddr)
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		err := fmt.Errorf("memory: dial %s: %w", l.addr, ErrRefused)
		return nil, errors.Join(err, cp.Close(), sp.Close())
	case <-ctx.Done():
		return nil, errors.Join(ctx.Err(), cp.Close(), sp.Close())
	}
}

// Close stops the listener: pending and later Accept calls return an error
// wrapping net.ErrClosed, and Dial calls fail with ErrRefused. Connections
// already made are not affected. Close is idempotent and always returns nil.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr returns the listener's address, an [Addr].
func (l *Listener) Addr() net.Addr { return l.addr }

// Conn is one end of an in-memory connection. It implements core.Conn: a
// net.Conn, with deadlines, plus Info.
type Conn struct {
	net.Conn
	info core.ConnInfo
}

func newConn(c net.Conn, local, remote Addr) *Conn {
	return &Conn{
		Conn: c,
		info: core.ConnInfo{Transport: Network, LocalAddr: local, RemoteAddr: remote},
	}
}

// LocalAddr returns this end's address.
func (c *Conn) LocalAddr() net.Addr { return c.info.LocalAddr }

// RemoteAddr returns the other end's address.
func (c *Conn) RemoteAddr() net.Addr { return c.info.RemoteAddr }

// Info describes the connection: transport "memory" and the two addresses.
func (c *Conn) Info() core.ConnInfo { return c.info }

// Transport is a core.Transport that makes memory listeners; the address
// given to Listen becomes the listener's name.
type Transport struct{}

// Listen returns Listen(addr). It never fails.
func (Transport) Listen(_ context.Context, addr string) (core.Listener, error) {
	return Listen(addr), nil
}

var (
	_ core.Listener  = (*Listener)(nil)
	_ core.Conn      = (*Conn)(nil)
	_ core.Transport = Transport{}
)
