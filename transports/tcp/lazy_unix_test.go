//go:build unix

package tcp

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
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
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sc, err := ln.Accept(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	c := sc.(*Conn)

	var held, gets int
	buf := make([]byte, 16)
	get := func() []byte { held++; gets++; return buf }
	put := func() { held-- }
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := c.ReadLazily(get, put); !isTimeout(err) {
		t.Fatalf("ReadLazily on a silent connection = %v, want a timeout", err)
	}
	if gets == 0 || held != 0 {
		t.Fatalf("after a read that found nothing: %d gets, %d buffers held", gets, held)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := client.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	n, err := c.ReadLazily(get, put)
	if err != nil || string(buf[:n]) != "hello" || held != 1 {
		t.Fatalf("ReadLazily = %q, %v; buffers held %d", buf[:n], err, held)
	}
	held--
	_ = client.Close()
	if n, err := c.ReadLazily(get, put); n != 0 || err != io.EOF || held != 1 {
		t.Fatalf("at EOF: %d, %v; buffers held %d, want the one read into", n, err, held)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
