package tcp

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/nettest"
)

// TestConnNettest checks rule T2 with x/net's conformance suite for net.Conn,
// on both kinds of connection, each end in turn being the accepted one.
func TestConnNettest(t *testing.T) {
	for _, tc := range networks(t) {
		t.Run(tc.name, func(t *testing.T) {
			nettest.TestConn(t, makePipe(t, tc.addr))
		})
	}
}

// makePipe returns a nettest.MakePipe whose first end is a connection
// accepted by this package, the second a client dialed with package net.
func makePipe(t *testing.T, addr string) nettest.MakePipe {
	return func() (c1, c2 net.Conn, stop func(), err error) {
		l, err := Listen(t.Context(), addr)
		if err != nil {
			return nil, nil, nil, err
		}
		client, err := net.Dial(l.Addr().Network(), l.Addr().String())
		if err != nil {
			_ = l.Close()
			return nil, nil, nil, err
		}
		server, err := l.Accept(t.Context())
		if err != nil {
			_ = client.Close()
			_ = l.Close()
			return nil, nil, nil, err
		}
		stop = func() {
			_ = server.Close()
			_ = client.Close()
			_ = l.Close()
		}
		return server, client, stop, nil
	}
}

func TestConnTypes(t *testing.T) {
	tl := listen(t, Transport{}, "127.0.0.1:0")
	tc, _ := pair(t, tl)
	require.IsType(t, (*Conn)(nil), tc, "TCP Accept")
	c := tc.(*Conn)
	assert.Same(t, c.TCPConn, c.NetConn(), "NetConn() is the embedded *net.TCPConn")

	ul := listen(t, Transport{}, sockAddr(t))
	uc, _ := pair(t, ul)
	require.IsType(t, (*UnixConn)(nil), uc, "Unix Accept")
	u := uc.(*UnixConn)
	assert.Same(t, u.UnixConn, u.NetConn(), "NetConn() is the embedded *net.UnixConn")
}

// TestCloseWrite checks the half-close that core's lingering close relies
// on: after CloseWrite the peer reads EOF, and can still send.
func TestCloseWrite(t *testing.T) {
	for _, nw := range networks(t) {
		addr := nw.addr
		t.Run(nw.name, func(t *testing.T) {
			l := listen(t, Transport{}, addr)
			server, client := pair(t, l)
			cw, ok := server.(interface{ CloseWrite() error })
			require.True(t, ok, "%T has no CloseWrite", server)
			_, err := server.Write([]byte("bye"))
			require.NoError(t, err)
			require.NoError(t, cw.CloseWrite(), "CloseWrite")
			_ = client.SetReadDeadline(time.Now().Add(patience))
			got, err := io.ReadAll(client)
			require.NoError(t, err, "client read")
			require.Equal(t, "bye", string(got), "client read, then EOF")
			_, err = client.Write([]byte("late"))
			require.NoError(t, err)
			buf := make([]byte, 4)
			_ = server.SetReadDeadline(time.Now().Add(patience))
			_, err = io.ReadFull(server, buf)
			require.NoError(t, err, "server read after CloseWrite")
			require.Equal(t, "late", string(buf), "server read after CloseWrite")
		})
	}
}

// Write counters: each counts the calls to Write that reach it and
// otherwise passes everything to the connection it embeds, method set
// included. (Go cannot embed a type parameter, hence three of them.)
type (
	countingTCP struct {
		*Conn
		writes int
	}
	countingUnix struct {
		*UnixConn
		writes int
	}
	// countingIface hides the connection behind the net.Conn interface,
	// as a careless wrapper would.
	countingIface struct {
		net.Conn
		writes int
	}
)

func (c *countingTCP) Write(p []byte) (int, error)   { c.writes++; return c.Conn.Write(p) }
func (c *countingUnix) Write(p []byte) (int, error)  { c.writes++; return c.UnixConn.Write(p) }
func (c *countingIface) Write(p []byte) (int, error) { c.writes++; return c.Conn.Write(p) }

// TestBuffersUseWritev checks that net.Buffers.WriteTo on our connections
// takes package net's vectored write. WriteTo calls the destination's
// unexported writeBuffers method when it has one (one writev system call on
// Unix systems) and otherwise calls Write once per slice. A wrapper that
// embeds *Conn and counts its Write calls keeps writeBuffers, promoted
// through *Conn from *net.TCPConn, so its count must stay at zero; the same
// wrapper around a net.Conn interface sees one Write per slice, which shows
// that the test tells the two apart. TestWritevSyscalls, on Linux, counts
// the system calls themselves.
func TestBuffersUseWritev(t *testing.T) {
	for _, nw := range networks(t) {
		addr := nw.addr
		t.Run(nw.name, func(t *testing.T) {
			l := listen(t, Transport{}, addr)
			server, client := pair(t, l)
			want := []byte("one two three")

			// direct counts the Write calls that reach our connection.
			var (
				direct io.Writer
				writes *int
			)
			switch c := server.(type) {
			case *Conn:
				cc := &countingTCP{Conn: c}
				direct, writes = cc, &cc.writes
			case *UnixConn:
				cc := &countingUnix{UnixConn: c}
				direct, writes = cc, &cc.writes
			default:
				t.Fatalf("unexpected %T", server)
			}
			control := &countingIface{Conn: server}

			for _, w := range []io.Writer{direct, control} {
				bufs := net.Buffers{want[:4], want[4:8], want[8:]}
				n, err := bufs.WriteTo(w)
				require.NoError(t, err, "WriteTo")
				require.Equal(t, int64(len(want)), n, "WriteTo")
				got := make([]byte, len(want))
				_ = client.SetReadDeadline(time.Now().Add(patience))
				_, err = io.ReadFull(client, got)
				require.NoError(t, err, "client read")
				require.Equal(t, want, got, "client read")
			}
			assert.Zero(t, *writes, "Buffers.WriteTo(%T) called Write, want one writev", server)
			assert.Equal(t, 3, control.writes, "control: Buffers.WriteTo(net.Conn wrapper) calls to Write")
		})
	}
}

// TestBuffersWriteToAllocs checks that a vectored write allocates nothing in
// steady state, as core's servers need (one per action would add up).
func TestBuffersWriteToAllocs(t *testing.T) {
	l := listen(t, Transport{}, "127.0.0.1:0")
	server, client := pair(t, l)
	head, body, tail := []byte("HEAD "), []byte("body"), []byte("\r\n")
	got := make([]byte, len(head)+len(body)+len(tail))
	var bufs net.Buffers
	vec := make([][]byte, 0, 3)
	allocs := testing.AllocsPerRun(100, func() {
		bufs = append(vec[:0], head, body, tail)
		if _, err := bufs.WriteTo(server); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(client, got); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "Buffers.WriteTo of 3 slices: allocations per write")
}

// BenchmarkBuffersWriteTo compares a vectored write of three slices on *Conn
// with the same on a wrapper that hides it behind net.Conn, which costs one
// system call per slice.
func BenchmarkBuffersWriteTo(b *testing.B) {
	l := listen(b, Transport{}, "127.0.0.1:0")
	server, client := pair(b, l)
	go func() { _, _ = io.Copy(io.Discard, client) }()
	head, body, tail := []byte("HTTP/1.1 200 OK\r\n\r\n"), bytes.Repeat([]byte("x"), 64), []byte("\r\n")
	for _, bc := range []struct {
		name string
		w    io.Writer
	}{
		{"Conn", server},
		{"interface", struct{ net.Conn }{server}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(head) + len(body) + len(tail)))
			var bufs net.Buffers
			vec := make([][]byte, 0, 3)
			for b.Loop() {
				bufs = append(vec[:0], head, body, tail)
				if _, err := bufs.WriteTo(bc.w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	_ = server.Close() // ends the reader
}
