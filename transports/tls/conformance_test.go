package tlstransport_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/ace-go/ace/conformance"
	"github.com/ace-go/ace/core"
	tlstransport "github.com/ace-go/ace/transports/tls"
)

// harness runs the conformance suite over TLS on the addresses that next
// returns, with a server certificate from a test CA that the clients trust.
func harness(t *testing.T, name, transport string, next func() string) conformance.Harness {
	ca := newCA(t, "conformance CA")
	tr := tlstransport.Transport{
		Config: &tls.Config{Certificates: []tls.Certificate{ca.issue(t, serverLeaf).cert}},
	}
	client := clientConfig(ca)
	return conformance.Harness{
		Name:      name,
		Transport: transport,
		Listen: func(ctx context.Context) (core.Listener, error) {
			return tr.Listen(ctx, next())
		},
		Dial: func(ctx context.Context, addr net.Addr) (net.Conn, error) {
			return tlstransport.Dial(ctx, aceAddr(addr), client)
		},
	}
}

// aceAddr writes a listener's address as Transport.Listen and Dial take it.
func aceAddr(a net.Addr) string {
	if a.Network() == "unix" {
		return "unix:" + a.String()
	}
	return a.String()
}

// TestConformance runs the whole lifecycle suite, nettest.TestConn included
// (T2_ConnTest), unchanged over TLS (rule T4).
func TestConformance(t *testing.T) {
	t.Run("tcp", func(t *testing.T) {
		conformance.Run(t, harness(t, "tls over tcp", "tls", func() string { return "127.0.0.1:0" }))
	})
	t.Run("unix", func(t *testing.T) {
		dir := t.TempDir()
		var n atomic.Int64
		conformance.Run(t, harness(t, "tls over unix", "tls+unix", func() string {
			return "unix:" + filepath.Join(dir, fmt.Sprintf("s%d", n.Add(1)))
		}))
	})
}
