package tcp

import (
	"net"

	"github.com/ace-go/ace/core"
)

// Conn is an accepted TCP connection. It implements [core.Conn] (rule T2).
//
// Conn embeds the concrete *net.TCPConn, rather than a net.Conn interface, so
// that it has all of its methods: net.Conn's, CloseWrite (which ace uses to
// close gracefully), socket options such as SetKeepAlive, ReadFrom and
// WriteTo (splice and sendfile), and above all package net's unexported
// vectored write, through which [net.Buffers.WriteTo] sends all its slices
// with one writev system call. A wrapper holding a net.Conn interface would
// lose that method and make WriteTo fall back to one write per slice.
//
// A Unix domain socket connection is a [UnixConn], the same thing for
// *net.UnixConn: one type cannot embed both, because their methods share
// names and would cancel each other out.
type Conn struct {
	*net.TCPConn
	info core.ConnInfo
	lazy // ReadLazily, on Unix systems: no read buffer while idle
}

var _ core.Conn = (*Conn)(nil)

func newConn(c *net.TCPConn) *Conn {
	return &Conn{TCPConn: c, lazy: newLazy(c), info: core.ConnInfo{
		Transport:  "tcp",
		LocalAddr:  c.LocalAddr(),
		RemoteAddr: c.RemoteAddr(),
	}}
}

// Info describes the connection: transport "tcp" and its two addresses, both
// *net.TCPAddr.
func (c *Conn) Info() core.ConnInfo { return c.info }

// NetConn returns the underlying *net.TCPConn, as crypto/tls.Conn.NetConn
// does, for code that needs package net's type or its socket.
func (c *Conn) NetConn() net.Conn { return c.TCPConn }

// UnixConn is an accepted Unix domain socket connection. It implements
// [core.Conn] (rule T2) and is to *net.UnixConn what [Conn] is to
// *net.TCPConn: it embeds it, so it has all of its methods, CloseWrite and
// the vectored write among them.
type UnixConn struct {
	*net.UnixConn
	info core.ConnInfo
	lazy
}

var _ core.Conn = (*UnixConn)(nil)

func newUnixConn(c *net.UnixConn) *UnixConn {
	return &UnixConn{UnixConn: c, lazy: newLazy(c), info: core.ConnInfo{
		Transport:  "unix",
		LocalAddr:  c.LocalAddr(),
		RemoteAddr: c.RemoteAddr(),
	}}
}

// Info describes the connection: transport "unix" and its two addresses,
// both *net.UnixAddr. The remote one names nothing useful unless the client
// bound its end, which clients rarely do (package net reports it as "@" on
// Linux).
func (c *UnixConn) Info() core.ConnInfo { return c.info }

// NetConn returns the underlying *net.UnixConn.
func (c *UnixConn) NetConn() net.Conn { return c.UnixConn }
