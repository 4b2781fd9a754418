//go:build unix

package echo_test

import (
	"net"

	"github.com/ace-go/ace/core"
)

// loopbackConn is an accepted connection, what transports/tcp's Conn is.
// Embedding *net.TCPConn keeps the vectored writes (writev) of net.Buffers;
// the RawReader lets its server wait without a buffer, hibernate, and run
// on an event loop.
type loopbackConn struct {
	*net.TCPConn
	*core.RawReader
}

func newLoopbackConn(c *net.TCPConn) (core.Conn, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return loopbackConn{c, core.NewRawReader(rc)}, nil
}
