package mytransport_test

import (
	"context"
	"net"
	"testing"

	"go.uber.org/goleak"

	"github.com/ace-go/ace/conformance"
	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/tcp"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestConformance runs every lifecycle rule over the transport. Replace the
// tcp transport with yours.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Name:      "tcp",
		Transport: "tcp", // what ConnInfo.Transport must say
		Listen: func(ctx context.Context) (core.Listener, error) {
			return tcp.Transport{}.Listen(ctx, "127.0.0.1:0")
		},
		Dial: func(ctx context.Context, addr net.Addr) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, addr.Network(), addr.String())
		},
	})
}
