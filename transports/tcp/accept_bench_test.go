package tcp_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/tcp"
	"github.com/stretchr/testify/require"
)

// BenchmarkAccept measures how fast an endpoint takes new connections from
// clients that connect all at once, with various numbers of acceptors: each
// operation is a client dialing, reading the greeting its server sends on
// connect, and seeing the server close. Since Go serializes the accepts on one
// listening socket, acceptors beyond a few cost goroutines without adding
// accepts.
func BenchmarkAccept(b *testing.B) {
	for _, n := range []int{1, 8, 50} {
		b.Run(fmt.Sprintf("acceptors=%d", n), func(b *testing.B) {
			ln, err := tcp.Listen(context.Background(), "127.0.0.1:0")
			require.NoError(b, err)
			app := core.AppFunc(func(core.ConnInfo) core.Handler { return greeter{} })
			ep := core.Start(ln, app, core.Config{Acceptors: n})
			defer func() { _ = ep.Close() }()
			addr := ep.Addr().String()
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c, err := net.Dial("tcp", addr)
					if err != nil {
						b.Error(err)
						return
					}
					if _, err := io.Copy(io.Discard, c); err != nil {
						b.Error(err)
					}
					_ = c.Close()
				}
			})
		})
	}
}
