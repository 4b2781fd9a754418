package quictransport_test

import (
	"context"
	"net"
	"testing"

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
			return quictransport.Listen(ctx, "127.0.0.1:0", pki.server, quictransport.Config{})
		},
		Dial: func(ctx context.Context, addr net.Addr) (net.Conn, error) {
			return quictransport.Dial(ctx, addr.String(), pki.client)
		},
	})
}
