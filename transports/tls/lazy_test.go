package tlstransport

import (
	"syscall"
	"testing"

	"github.com/ace-go/ace/core"
)

// TestConnNotLazy guards against Conn gaining, by embedding its inner
// connection, the inner socket's core.LazyReader: the server would then read
// ciphertext straight from the socket, past crypto/tls. Nor may it gain the
// socket's RawConn, through which an idle server would hibernate, watching
// the socket while crypto/tls may hold decrypted input of its own.
func TestConnNotLazy(t *testing.T) {
	if _, ok := any((*Conn)(nil)).(core.LazyReader); ok {
		t.Fatal("tlstransport.Conn implements core.LazyReader: servers would bypass TLS")
	}
	if _, ok := any((*Conn)(nil)).(interface{ RawConn() syscall.RawConn }); ok {
		t.Fatal("tlstransport.Conn has RawConn: servers would hibernate on the socket, past TLS's buffers")
	}
}
