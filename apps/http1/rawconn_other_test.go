//go:build !unix

package http1_test

import (
	"net"

	"github.com/ace-go/ace/core"
)

// newRawConn is a plain loopbackConn where there is no core.RawReader.
func newRawConn(c *net.TCPConn) (core.Conn, error) { return loopbackConn{c, nil}, nil }
