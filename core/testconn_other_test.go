//go:build !unix

package core_test

import "net"

// testConn is what transports/tcp's Conn is where there is no RawReader: a
// *net.TCPConn, which keeps package net's vectored write.
type testConn struct{ *net.TCPConn }

func newTestConn(c *net.TCPConn) *testConn { return &testConn{TCPConn: c} }
