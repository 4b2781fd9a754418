//go:build unix

package http1_test

import (
	"net"

	"github.com/ace-go/ace/core"
)

// rawConn is an accepted connection read, and written first, through a
// core.RawReader, as the TCP transport's are: its server can watch for the
// client's hang-up (core.Server.WatchHangup).
type rawConn struct {
	loopbackConn
	*core.RawReader
}

func newRawConn(c *net.TCPConn) (core.Conn, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return rawConn{loopbackConn{c, nil}, core.NewRawReader(rc)}, nil
}
