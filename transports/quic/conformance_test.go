package quictransport_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/ace-go/ace/conformance"
	"github.com/ace-go/ace/core"
	quictransport "github.com/ace-go/ace/transports/quic"
)

// TestConformance runs the whole lifecycle suite, nettest.TestConn included
// (T2_ConnTest), unchanged over QUIC (rule T4). Every capability flag keeps
// its default: a QUIC stream can half-close (CloseWrite sends a FIN) and
// passes nettest.TestConn.
func TestConformance(t *testing.T) {
	pki := certs(t)
	conformance.Run(t, conformance.Harness{
		Name:      "quic",
		Transport: "quic",
		Listen: func(ctx context.Context) (core.Listener, error) {
			ln, err := quictransport.Listen(ctx, "127.0.0.1:0", pki.server, quictransport.Config{})
			if err != nil {
				return nil, err // not a nil *Listener in a non-nil interface
			}
			return ln, nil
		},
		Dial: func(ctx context.Context, addr net.Addr) (net.Conn, error) {
			c, err := quictransport.Dial(ctx, addr.String(), pki.client)
			if err != nil {
				return nil, err // not a nil *Conn in a non-nil interface
			}
			return c, nil
		},
		// QUIC's encryption and user-space stack cost far more CPU than
		// TCP under -race: on a loaded two-CPU machine the T2_ConnTest
		// case, nettest.TestConn's megabyte transfers over a dozen
		// connection pairs, can take longer than the default 10s.
		Timeout: 30 * time.Second,
	})
}
