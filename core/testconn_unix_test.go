//go:build unix

package core_test

import (
	"net"

	"github.com/ace-go/ace/core"
)

// testConn is what transports/tcp's Conn is: a *net.TCPConn that keeps
// package net's vectored write, and reads lazily, holding no buffer while it
// waits.
type testConn struct {
	*net.TCPConn
	*core.RawReader
}

func newTestConn(c *net.TCPConn) *testConn {
	rc, err := c.SyscallConn()
	if err != nil {
		panic(err)
	}
	return &testConn{TCPConn: c, RawReader: core.NewRawReader(rc)}
}
