//go:build unix

package tcp

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
)

// eachSocket runs test as a subtest for each connection type, TCP and Unix,
// with an endpoint serving app with cfg on a fresh address and a client
// connected to it; both are closed when the subtest ends.
func eachSocket(t *testing.T, app core.App, cfg core.Config, test func(t *testing.T, e *core.Endpoint, c net.Conn)) {
	for _, tc := range []struct{ name, addr string }{
		{"tcp", "127.0.0.1:0"},
		{"unix", "unix:" + filepath.Join(t.TempDir(), "s")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := Listen(context.Background(), tc.addr)
			require.NoError(t, err)
			e := core.Start(ln, app, cfg)
			defer e.Close()
			c, err := net.Dial(ln.Addr().Network(), ln.Addr().String())
			require.NoError(t, err)
			defer c.Close()
			test(t, e, c)
		})
	}
}
