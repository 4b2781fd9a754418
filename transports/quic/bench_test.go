package quictransport_test

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/tcp"
	"github.com/stretchr/testify/require"
)

// BenchmarkEchoRoundTrip measures round trips of 64-byte messages over one
// connection to the raw echo app, over plain TCP and over QUIC, in one run,
// so that their ratio compares like with like:
//
//	go test -run '^$' -bench EchoRoundTrip -benchmem
func BenchmarkEchoRoundTrip(b *testing.B) {
	b.Run("tcp", func(b *testing.B) {
		ln, err := tcp.Listen(ctx(b), "127.0.0.1:0")
		require.NoError(b, err)
		e := core.Start(ln, echoApp{}, core.Config{Acceptors: 1})
		b.Cleanup(func() { _ = e.Close() })
		var d net.Dialer
		c, err := d.DialContext(ctx(b), "tcp", e.Addr().String())
		require.NoError(b, err)
		b.Cleanup(func() { _ = c.Close() })
		benchEcho(b, c)
	})
	b.Run("quic", func(b *testing.B) {
		e := serve(b, core.Config{Acceptors: 1})
		benchEcho(b, dial(b, e.Addr()))
	})
}

// benchEcho sends 64-byte messages on c and reads each echo before the next.
func benchEcho(b *testing.B, c net.Conn) {
	msg := make([]byte, 64)
	buf := make([]byte, len(msg))
	_ = c.SetDeadline(time.Time{})
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "roundtrips/s")
}
