package tlstransport

import (
	"context"
	"crypto/tls"
	"net"

	"github.com/ace-go/ace/core"
)

// Listener decorates an inner [core.Listener] with TLS, as
// crypto/tls.NewListener decorates a net.Listener. It implements
// [core.Listener].
//
// Accept does no I/O of its own: it returns the inner listener's next
// connection at once, wrapped in a [*Conn] whose handshake has not started.
// The handshake runs in the server that took the connection (see the package
// documentation), so a client that stalls cannot hold up other accepts
// (rule T3).
type Listener struct {
	inner  core.Listener
	config *tls.Config
}

var _ core.Listener = (*Listener)(nil)

// NewListener returns a listener that accepts connections from inner and
// serves TLS on them with cfg. cfg must provide a certificate (Certificates,
// GetCertificate or GetConfigForClient), or every handshake fails; it must not
// be modified afterwards. The returned Listener owns inner: closing it closes
// inner.
func NewListener(inner core.Listener, cfg *tls.Config) *Listener {
	return &Listener{inner: inner, config: cfg}
}

// Accept waits for the inner listener's next connection and returns it as a
// [*Conn], before any handshake. It returns ctx.Err() when ctx is done
// first, and an error that wraps net.ErrClosed after Close: whatever the
// inner listener returns. It is safe to call from many goroutines at once if
// the inner listener's Accept is.
func (l *Listener) Accept(ctx context.Context) (core.Conn, error) {
	c, err := l.inner.Accept(ctx)
	if err != nil {
		return nil, err
	}
	return newConn(c, l.config, true), nil
}

// Close closes the inner listener. Connections already accepted stay open.
// It is idempotent if the inner listener's Close is.
func (l *Listener) Close() error { return l.inner.Close() }

// Addr returns the inner listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Inner returns the listener that l decorates.
func (l *Listener) Inner() core.Listener { return l.inner }
