package tlstransport_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/net/nettest"

	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/tcp"
	tlstransport "github.com/ace-go/ace/transports/tls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pair is a server Conn from a Listener and the client Conn connected to it,
// both past the handshake.
type pair struct {
	ln     *tlstransport.Listener
	server *tlstransport.Conn
	client *tlstransport.Conn
}

func (p pair) close() {
	_ = p.client.Close()
	_ = p.server.Close()
	_ = p.ln.Close()
}

// shrinkBuffers gives the server's sending and the client's receiving socket
// buffers 32 KiB, so that a client that does not read soon stalls the
// server's writes.
func (p pair) shrinkBuffers(t *testing.T) {
	t.Helper()
	require.NoError(t, p.server.NetConn().(bufferSizer).SetWriteBuffer(32<<10))
	require.NoError(t, p.client.NetConn().(bufferSizer).SetReadBuffer(32<<10))
}

// newPair listens on addr with a certificate from ca and connects a client.
func newPair(ctx context.Context, ca *testCA, cert tls.Certificate, addr string) (pair, error) {
	tr := tlstransport.Transport{Config: &tls.Config{Certificates: []tls.Certificate{cert}}}
	ln, err := tr.ListenTLS(ctx, addr)
	if err != nil {
		return pair{}, err
	}
	type result struct {
		conn *tlstransport.Conn
		err  error
	}
	accepted := make(chan result, 1)
	go func() {
		c, err := ln.Accept(ctx)
		if err != nil {
			accepted <- result{err: err}
			return
		}
		sc := c.(*tlstransport.Conn)
		if err := sc.HandshakeContext(ctx); err != nil {
			_ = sc.Close()
			accepted <- result{err: err}
			return
		}
		accepted <- result{conn: sc}
	}()
	cl, dialErr := tlstransport.Dial(ctx, aceAddr(ln.Addr()), clientConfig(ca))
	res := <-accepted
	if err := errors.Join(dialErr, res.err); err != nil {
		if cl != nil {
			_ = cl.Close()
		}
		if res.conn != nil {
			_ = res.conn.Close()
		}
		_ = ln.Close()
		return pair{}, err
	}
	return pair{ln: ln, server: res.conn, client: cl}, nil
}

// addrs are the inner transports the Conn tests run over.
func addrs(t *testing.T) map[string]func() string {
	dir := t.TempDir()
	n := 0
	return map[string]func() string{
		"tcp": func() string { return "127.0.0.1:0" },
		"unix": func() string {
			n++
			return "unix:" + filepath.Join(dir, fmt.Sprintf("s%d", n))
		},
	}
}

// TestNettestServerSide runs nettest.TestConn with the server's Conn as the
// connection under test (the conformance suite's T2_ConnTest tests the
// client's).
func TestNettestServerSide(t *testing.T) {
	ca := newCA(t, "nettest CA")
	cert := ca.issue(t, serverLeaf).cert
	for name, next := range addrs(t) {
		t.Run(name, func(t *testing.T) {
			nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
				ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
				defer cancel()
				p, err := newPair(ctx, ca, cert, next())
				if err != nil {
					return nil, nil, nil, err
				}
				return p.server, p.client, p.close, nil
			})
		})
	}
}

// TestInfo checks what a Conn reports before and after the handshake.
func TestInfo(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "info CA")
	cert := ca.issue(t, serverLeaf).cert
	for name, next := range addrs(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			want := map[string]string{"tcp": "tls", "unix": "tls+unix"}[name]
			tr := tlstransport.Transport{Config: &tls.Config{Certificates: []tls.Certificate{cert}}, NextProtos: []string{"ace"}}
			ln, err := tr.ListenTLS(ctx, next())
			require.NoError(t, err)
			defer ln.Close()
			dialed := make(chan error, 1)
			go func() {
				cfg := clientConfig(ca)
				cfg.NextProtos = []string{"ace"}
				c, err := tlstransport.Dial(ctx, aceAddr(ln.Addr()), cfg)
				if err == nil {
					// Wait for the server to close.
					_, _ = io.Copy(io.Discard, c)
					_ = c.Close()
				}
				dialed <- err
			}()
			c, err := ln.Accept(ctx)
			require.NoError(t, err)
			before := c.Info()
			if before.Transport != want || before.TLS != nil || before.Version != "" {
				t.Errorf("Info before the handshake = %+v, want transport %q, no TLS state, no version", before, want)
			}
			if before.LocalAddr.String() != ln.Addr().String() {
				t.Errorf("Info().LocalAddr = %v, want the listener's %v", before.LocalAddr, ln.Addr())
			}
			sc := c.(*tlstransport.Conn)
			switch inner := sc.NetConn().(type) {
			case *tcp.Conn, *tcp.UnixConn:
			default:
				t.Errorf("NetConn() is a %T, want the tcp package's connection", inner)
			}
			require.NoError(t, sc.HandshakeContext(ctx))
			after := c.Info()
			if after.Transport != want || after.TLS == nil {
				t.Fatalf("Info after the handshake = %+v, want transport %q with TLS state", after, want)
			}
			if after.Version != "TLS 1.3" || after.TLS.Version != tls.VersionTLS13 {
				t.Errorf("Version = %q (%#x), want TLS 1.3", after.Version, after.TLS.Version)
			}
			if after.TLS.NegotiatedProtocol != "ace" || after.TLS.CipherSuite == 0 || !after.TLS.HandshakeComplete {
				t.Errorf("TLS state lacks ALPN or cipher suite: %+v", after.TLS)
			}
			if got := core.InfoOf(c); got.Transport != want || got.TLS == nil {
				t.Errorf("core.InfoOf = %+v", got)
			}
			_ = c.Close()
			require.NoError(t, <-dialed)
		})
	}
}

// TestWriteTimeoutKeepsStream checks that a write that times out leaves the
// connection usable and the stream whole: exactly the bytes that Write
// reported written arrive, in order, followed by what is written after the
// deadline is cleared. crypto/tls alone makes every later write fail.
func TestWriteTimeoutKeepsStream(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "timeout CA")
	cert := ca.issue(t, serverLeaf).cert
	for name, next := range addrs(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			p, err := newPair(ctx, ca, cert, next())
			require.NoError(t, err)
			defer p.close()

			// Small socket buffers, and a client that does not read: one
			// large Write cannot finish before its deadline.
			p.shrinkBuffers(t)
			var sent bytes.Buffer
			big := make([]byte, 4<<20)
			for i := range big {
				big[i] = byte(i * 7)
			}
			require.NoError(t, p.server.SetWriteDeadline(time.Now().Add(50*time.Millisecond)))
			n, werr := p.server.Write(big)
			sent.Write(big[:n])
			var ne net.Error
			if !errors.As(werr, &ne) || !ne.Timeout() || n != len(big) {
				t.Fatalf("Write cut short by its deadline = %d, %v; want %d (sealed records are sent later) and a timeout", n, werr, len(big))
			}
			// A deadline in the past: nothing is written.
			if n, err := p.server.Write([]byte("lost")); n != 0 || !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("Write past the deadline = %d, %v; want 0 and a timeout", n, err)
			}

			require.NoError(t, p.server.SetWriteDeadline(time.Time{}))
			received := make(chan []byte, 1)
			go func() {
				_ = p.client.SetReadDeadline(time.Now().Add(waitTimeout))
				got, _ := io.ReadAll(p.client)
				received <- got
			}()
			sent.WriteString("the end")
			_, err = p.server.Write([]byte("the end"))
			require.NoError(t, err, "Write after clearing the deadline")
			require.NoError(t, p.server.Close(), "Close")
			got := <-received
			if !bytes.Equal(got, sent.Bytes()) {
				t.Fatalf("the client received %d bytes, the server reported %d written (equal prefix %d)",
					len(got), sent.Len(), commonPrefix(got, sent.Bytes()))
			}
		})
	}
}

// bufferSizer is implemented by TCP and Unix connections.
type bufferSizer interface {
	SetReadBuffer(bytes int) error
	SetWriteBuffer(bytes int) error
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// TestCloseAfterPeerGone checks that Close succeeds when the close_notify
// alert cannot be sent because the peer has already closed.
func TestCloseAfterPeerGone(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "close CA")
	cert := ca.issue(t, serverLeaf).cert
	for name, next := range addrs(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			p, err := newPair(ctx, ca, cert, next())
			require.NoError(t, err)
			defer p.close()
			require.NoError(t, p.client.Close(), "client Close")
			// The server sees the client's close_notify, then closes.
			if _, err := p.server.Read(make([]byte, 1)); err != io.EOF {
				t.Fatalf("server Read after the client closed: %v, want io.EOF", err)
			}
			if err := p.server.Close(); err != nil {
				t.Errorf("server Close after the peer closed: %v, want nil", err)
			}
			if err := p.server.Close(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("second Close: %v, want net.ErrClosed", err)
			}
		})
	}
}

// TestCloseStuckPeer checks that Close is prompt when the peer stopped
// reading and the socket cannot take the close_notify alert: crypto/tls
// alone waits 5s for it.
func TestCloseStuckPeer(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "stuck CA")
	cert := ca.issue(t, serverLeaf).cert
	for name, next := range addrs(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			p, err := newPair(ctx, ca, cert, next())
			require.NoError(t, err)
			defer p.close()
			p.shrinkBuffers(t)
			// Fill the socket, with no Write in progress afterwards.
			require.NoError(t, p.server.SetWriteDeadline(time.Now().Add(50*time.Millisecond)))
			if _, err := p.server.Write(make([]byte, 4<<20)); err == nil {
				t.Fatal("a 4MB Write to a client that does not read did not time out")
			}
			start := time.Now()
			assert.NoError(t, p.server.Close(), "Close")
			if took := time.Since(start); took > time.Second {
				t.Errorf("Close took %v with a peer that does not read", took)
			}
		})
	}
}
