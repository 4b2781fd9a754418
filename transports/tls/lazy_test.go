package tlstransport

import (
	"syscall"
	"testing"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/assert"
)

// TestConnNotLazy guards against Conn gaining, by embedding its inner
// connection, the inner socket's core.LazyReader: the server would then read
// ciphertext straight from the socket, past crypto/tls. Nor may it gain the
// socket's RawConn, through which an idle server would hibernate, watching
// the socket while crypto/tls may hold decrypted input of its own.
func TestConnNotLazy(t *testing.T) {
	assert.NotImplements(t, (*core.LazyReader)(nil), (*Conn)(nil), "servers would bypass TLS")
	assert.NotImplements(t, (*interface{ RawConn() syscall.RawConn })(nil), (*Conn)(nil), "servers would hibernate on the socket, past TLS's buffers")
}
