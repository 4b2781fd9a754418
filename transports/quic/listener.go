package quictransport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/quic-go/quic-go"

	"github.com/ace-go/ace/core"
)

// Listener accepts QUIC connections on one UDP socket. It implements
// [core.Listener].
//
// The socket carries every connection accepted from it, since QUIC
// multiplexes connections on one UDP port. So Close stops accepting (new
// clients are refused with a CONNECTION_REFUSED error, and handshakes in
// flight too) but leaves the connections already accepted untouched (rule
// E3); the socket is closed, and quic-go's goroutines end, once the listener
// is closed and the last of those connections has ended.
type Listener struct {
	udp     *net.UDPConn
	tr      *quic.Transport
	ql      *quic.Listener
	tlsConf *tls.Config
	cfg     Config

	mu      sync.Mutex
	closed  bool
	refs    int            // 1 while open, plus one per accepted connection not yet ended
	refuser *quic.Listener // answers new clients once closed
}

var _ core.Listener = (*Listener)(nil)

// Listen binds the UDP address addr ("host:port"; port 0 asks the system for
// a free port) and listens for QUIC connections on it, with the certificates
// of tlsConf and the options of cfg. ctx bounds only the binding.
func Listen(ctx context.Context, addr string, tlsConf *tls.Config, cfg Config) (*Listener, error) {
	cfg = cfg.withDefaults()
	conf, err := cfg.serverTLS(tlsConf)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp", addr)
	if err != nil {
		return nil, fmt.Errorf("quictransport: listen: %w", err)
	}
	l := &Listener{udp: pc.(*net.UDPConn), tlsConf: conf, cfg: cfg, refs: 1}
	l.tr = &quic.Transport{Conn: l.udp, ConnContext: l.connContext}
	l.ql, err = l.tr.Listen(conf, cfg.quicConfig())
	if err != nil {
		_ = l.tr.Close()
		_ = l.udp.Close()
		return nil, fmt.Errorf("quictransport: listen: %w", err)
	}
	return l, nil
}

// pendingKey keys the *pending of a connection in its context.
type pendingKey struct{}

// pending is what the listener knows of a connection before Accept returns
// it.
type pending struct {
	remote   net.Addr
	accepted atomic.Bool
}

// connContext runs when quic-go starts a connection for a new client. It
// arranges for the connection to be logged, with the reason, if it ends
// before Accept returns it; quic-go gives no other sign of a failed
// handshake.
func (l *Listener) connContext(ctx context.Context, info *quic.ClientInfo) (context.Context, error) {
	p := &pending{remote: info.RemoteAddr}
	ctx = context.WithValue(ctx, pendingKey{}, p)
	context.AfterFunc(ctx, func() {
		if !p.accepted.Load() {
			l.cfg.Logger.Debug("quictransport: connection ended before it was accepted",
				"remote", p.remote, "err", context.Cause(ctx))
		}
	})
	return ctx, nil
}

// Addr returns the UDP address the listener is bound to.
func (l *Listener) Addr() net.Addr { return l.udp.LocalAddr() }

// Accept waits for the next connection whose QUIC handshake has completed and
// returns it as a [*Conn]. The QUIC handshake runs on quic-go's goroutines,
// bounded by Config.HandshakeTimeout, so a stalled client never holds up
// Accept (rule T3). The returned connection has no stream yet: its
// HandshakeContext waits for the client's stream (see the package
// documentation).
//
// Accept returns ctx.Err() when ctx is done, and an error wrapping
// net.ErrClosed once the listener is closed. It may be called from many
// goroutines at once.
func (l *Listener) Accept(ctx context.Context) (core.Conn, error) {
	qc, err := l.ql.Accept(ctx)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("quictransport: accept: %w", err)
	}
	l.mu.Lock()
	if l.closed {
		// quic-go hands over the connections it queued before Close.
		l.mu.Unlock()
		_ = qc.CloseWithError(CodeRefused, "listener closed")
		return nil, fmt.Errorf("quictransport: accept: %w", net.ErrClosed)
	}
	l.refs++
	l.mu.Unlock()
	if p, ok := qc.Context().Value(pendingKey{}).(*pending); ok {
		p.accepted.Store(true)
	}
	context.AfterFunc(qc.Context(), l.release)
	return newConn(qc, nil, l.cfg.Linger), nil
}

// Close stops accepting: pending and later Accept calls return an error
// wrapping net.ErrClosed, QUIC handshakes in flight are refused, and so are
// new clients from now on. Connections already accepted carry on; the UDP
// socket is closed when the last of them has ended, at once if there is
// none. Close is idempotent.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()

	// Closing quic-go's listener refuses the handshakes in flight and
	// waits for them; it leaves the connections that completed theirs in
	// its queue, which Accept now drains without blocking.
	_ = l.ql.Close()
	for {
		qc, err := l.ql.Accept(context.Background())
		if err != nil {
			break
		}
		_ = qc.CloseWithError(CodeRefused, "listener closed")
	}
	// While accepted connections keep the socket open, quic-go with no
	// listener would drop the Initial packets of new clients and leave
	// them to time out. A listener that refuses every client answers them
	// with CONNECTION_REFUSED at once instead. (No connection can be
	// added any more, so a count of one stays one.)
	var err error
	l.mu.Lock()
	live := l.refs > 1
	l.mu.Unlock()
	if live {
		var refuser *quic.Listener
		refuser, err = l.tr.Listen(l.tlsConf, &quic.Config{
			GetConfigForClient: func(*quic.ClientInfo) (*quic.Config, error) { return nil, errRefused },
		})
		l.mu.Lock()
		l.refuser = refuser
		l.mu.Unlock()
	}
	l.release()
	if err != nil {
		return fmt.Errorf("quictransport: close: refusing new clients: %w", err)
	}
	return nil
}

// release drops one reference; the last one closes the socket.
func (l *Listener) release() {
	l.mu.Lock()
	l.refs--
	last := l.refs == 0
	refuser := l.refuser
	l.mu.Unlock()
	if !last {
		return
	}
	if refuser != nil {
		_ = refuser.Close()
	}
	_ = l.tr.Close()
	_ = l.udp.Close()
}
