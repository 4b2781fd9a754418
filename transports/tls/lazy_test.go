package tlstransport

import (
	"testing"

	"github.com/ace-go/ace/core"
)

// TestConnNotLazy guards against Conn gaining, by embedding its inner
// connection, the inner socket's core.LazyReader: the server would then read
// ciphertext straight from the socket, past crypto/tls.
func TestConnNotLazy(t *testing.T) {
	if _, ok := any((*Conn)(nil)).(core.LazyReader); ok {
		t.Fatal("tlstransport.Conn implements core.LazyReader: servers would bypass TLS")
	}
}
