package core

import (
	"context"
	"crypto/tls"
	"net"
)

// Transport turns an address into a [Listener] (rule T1). Transports live in
// their own modules; this interface is declared here because the endpoint
// and the ace command consume it.
type Transport interface {
	// Listen binds addr and returns a listener. Port 0 asks the operating
	// system for a free port; Listener.Addr reports the one it chose.
	Listen(ctx context.Context, addr string) (Listener, error)
}

// Listener is a source of connections (rule T1).
type Listener interface {
	// Accept waits for and returns the next connection. It returns early
	// with ctx.Err() when ctx is done. After Close, it returns an error
	// that wraps net.ErrClosed. Accept must be safe to call from many
	// goroutines at once: every governor's server blocks in it.
	Accept(ctx context.Context) (Conn, error)
	// Close stops the listener and unblocks every pending Accept. Close
	// is idempotent.
	Close() error
	// Addr returns the address the listener is bound to.
	Addr() net.Addr
}

// Conn is an accepted connection: a byte stream with net.Conn semantics plus
// what is known about it (rule T2).
//
// A Conn whose transport needs a handshake (TLS, QUIC) also implements
// [Handshaker]; the server that took the connection runs the handshake, never
// the listener, so a slow client cannot hold up other accepts (rule T3).
type Conn interface {
	net.Conn
	// Info describes the connection. For a Conn that implements
	// Handshaker, it is complete only after the handshake.
	Info() ConnInfo
}

// Handshaker is implemented by connections that must complete a handshake
// before they carry application data. The server calls HandshakeContext with
// a context bounded by Config.HandshakeTimeout before the app sees the
// connection.
type Handshaker interface {
	HandshakeContext(ctx context.Context) error
}

// LazyReader is implemented by connections that can wait for input without
// holding a buffer, so that an idle connection costs its server no read
// buffer. A server whose connection implements it, and which holds no
// partial frame, gives its buffer back to the pool before it waits.
//
// ReadLazily waits until input is available or the read deadline passes.
// It calls get for a buffer when it tries to read, and put to give that
// buffer back when the attempt found nothing to read, then reads into the
// buffer of the last get and returns how many bytes it read. Otherwise it has
// the semantics of Read: io.EOF at the end, an error that wraps
// os.ErrDeadlineExceeded past the deadline, net.ErrClosed once closed.
//
// Transports whose connections are sockets implement it with RawReader (on Unix systems).
type LazyReader interface {
	ReadLazily(get func() []byte, put func()) (int, error)
}

// ConnInfo describes one connection (rule S3).
type ConnInfo struct {
	// Transport names the transport, for example "tcp", "unix", "tls" or
	// "memory".
	Transport string
	// LocalAddr and RemoteAddr are the connection's two ends.
	LocalAddr  net.Addr
	RemoteAddr net.Addr
	// Version is the transport protocol's negotiated version where it has
	// one of its own, for example "v1" for QUIC version 1; empty otherwise.
	Version string
	// TLS holds the negotiated TLS state (version, cipher suite, ALPN
	// protocol, SNI server name, verified peer certificates) for
	// transports that use TLS, and is nil otherwise.
	TLS *tls.ConnectionState
}

// InfoOf returns c.Info() when c is a [Conn], and otherwise the addresses of
// c with the transport named after its local address's network.
func InfoOf(c net.Conn) ConnInfo {
	if ic, ok := c.(Conn); ok {
		return ic.Info()
	}
	info := ConnInfo{LocalAddr: c.LocalAddr(), RemoteAddr: c.RemoteAddr()}
	if info.LocalAddr != nil {
		info.Transport = info.LocalAddr.Network()
	}
	return info
}
