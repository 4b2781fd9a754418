package tlstransport_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"testing"

	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/tcp"
	tlstransport "github.com/ace-go/ace/transports/tls"
	"github.com/stretchr/testify/require"
)

// BenchmarkEchoRoundTrip measures one client's round trips of 64-byte
// messages through a raw echo server over loopback, on plain TCP and on TLS
// over TCP, in the same run so that the two compare. The client is package
// net's on TCP and crypto/tls's on TLS. rt/s is round trips per second.
func BenchmarkEchoRoundTrip(b *testing.B) {
	cert, err := tlstransport.SelfSigned()
	require.NoError(b, err)
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	for _, tc := range []struct {
		name string
		tr   core.Transport
		dial func(addr string) (net.Conn, error)
	}{
		{"tcp", tcp.Transport{}, func(addr string) (net.Conn, error) {
			return net.Dial("tcp", addr)
		}},
		{"tls", tlstransport.Transport{Config: &tls.Config{Certificates: []tls.Certificate{cert}}},
			func(addr string) (net.Conn, error) {
				return tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "localhost"})
			}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			app := core.AppFunc(func(core.ConnInfo) core.Handler { return echoHandler{} })
			ep, err := core.Listen(context.Background(), tc.tr, "127.0.0.1:0", app, core.Config{Acceptors: 1})
			require.NoError(b, err)
			defer func() { _ = ep.Close() }()
			c, err := tc.dial(ep.Addr().String())
			require.NoError(b, err)
			defer func() { _ = c.Close() }()
			msg := make([]byte, 64)
			buf := make([]byte, 64)
			roundTrip := func() {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
			for range 100 { // warm up: handshake done, buffers pooled
				roundTrip()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				roundTrip()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rt/s")
		})
	}
}
