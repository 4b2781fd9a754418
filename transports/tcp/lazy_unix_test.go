//go:build unix

package tcp

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
)

// Servers on this transport hold no read buffer while a connection is idle.
var (
	_ core.LazyReader = (*Conn)(nil)
	_ core.LazyReader = (*UnixConn)(nil)
)

// TestReadLazily checks that ReadLazily takes a buffer only when there is
// input: while it waits, the buffer is back with its owner.
func TestReadLazily(t *testing.T) {
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer client.Close()
	sc, err := ln.Accept(context.Background())
	require.NoError(t, err)
	defer sc.Close()
	c := sc.(*Conn)

	var held, gets int
	buf := make([]byte, 16)
	get := func() []byte { held++; gets++; return buf }
	put := func() { held-- }
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err = c.ReadLazily(get, put)
	require.True(t, isTimeout(err), "ReadLazily on a silent connection = %v, want a timeout", err)
	require.NotZero(t, gets, "gets after a read that found nothing")
	require.Zero(t, held, "buffers held after a read that found nothing")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = client.Write([]byte("hello"))
	require.NoError(t, err)
	n, err := c.ReadLazily(get, put)
	require.NoError(t, err, "ReadLazily")
	require.Equal(t, "hello", string(buf[:n]), "ReadLazily")
	require.Equal(t, 1, held, "buffers held after ReadLazily")
	held--
	_ = client.Close()
	n, err = c.ReadLazily(get, put)
	require.Equal(t, io.EOF, err, "ReadLazily at EOF")
	require.Zero(t, n, "ReadLazily at EOF")
	require.Equal(t, 1, held, "buffers held at EOF: the one read into")
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
