package cli

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"testing"

	"github.com/ace-go/ace/apps/echo"
	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/quic"
	"github.com/ace-go/ace/transports/tcp"
	tlstransport "github.com/ace-go/ace/transports/tls"
)

// BenchmarkEchoTransports measures raw-echo round trips of 64 bytes over one
// connection on each transport the ace command serves, in one run, so that
// the ratios TLS/TCP and QUIC/TCP come from the same machine state:
//
//	go test -run '^$' -bench EchoTransports -benchtime 3s ./tools/internal/cli
func BenchmarkEchoTransports(b *testing.B) {
	cert, err := tlstransport.SelfSigned()
	if err != nil {
		b.Fatal(err)
	}
	server := &tls.Config{Certificates: []tls.Certificate{cert}}
	client := &tls.Config{InsecureSkipVerify: true} // a benchmark on loopback
	cases := []struct {
		name   string
		listen func(ctx context.Context) (core.Listener, error)
		dial   func(ctx context.Context, addr string) (net.Conn, error)
	}{
		{"tcp",
			func(ctx context.Context) (core.Listener, error) {
				return tcp.Transport{}.Listen(ctx, "127.0.0.1:0")
			},
			func(ctx context.Context, addr string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "tcp", addr)
			}},
		{"tls",
			func(ctx context.Context) (core.Listener, error) {
				return tlstransport.Transport{Config: server}.Listen(ctx, "127.0.0.1:0")
			},
			func(ctx context.Context, addr string) (net.Conn, error) {
				return tlstransport.Dial(ctx, addr, client)
			}},
		{"quic",
			func(ctx context.Context) (core.Listener, error) {
				return quictransport.Transport{TLSConfig: server}.Listen(ctx, "127.0.0.1:0")
			},
			func(ctx context.Context, addr string) (net.Conn, error) {
				return quictransport.Dial(ctx, addr, client)
			}},
	}
	msg := make([]byte, 64)
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			ln, err := tc.listen(ctx)
			if err != nil {
				b.Fatal(err)
			}
			ep := core.Start(ln, echo.New(echo.Config{Mode: echo.Raw}), core.Config{Acceptors: 1})
			defer func() { _ = ep.Close() }()
			c, err := tc.dial(ctx, ep.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = c.Close() }()
			buf := make([]byte, len(msg))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rt/s")
		})
	}
}
