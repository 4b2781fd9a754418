//go:build !unix

package echo_test

import (
	"net"

	"github.com/ace-go/ace/core"
)

// loopbackConn is an accepted connection, what transports/tcp's Conn is
// where there is no core.RawReader: embedding *net.TCPConn keeps the
// vectored writes (writev) of net.Buffers.
type loopbackConn struct{ *net.TCPConn }

func newLoopbackConn(c *net.TCPConn) (core.Conn, error) { return loopbackConn{c}, nil }
