package tlstransport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ace-go/ace/core"
)

// Errors that a failed handshake wraps, besides crypto/tls's own error, so
// that the debug log says plainly what the client did. Compare with
// errors.Is.
var (
	// ErrHandshakeTimeout: the handshake did not finish in time, usually
	// because the client sent nothing, or stopped halfway.
	ErrHandshakeTimeout = errors.New("tlstransport: handshake timed out")

	// ErrHandshakeAborted: the client closed or reset the connection
	// before the handshake finished.
	ErrHandshakeAborted = errors.New("tlstransport: client closed the connection during the handshake")

	// ErrNotTLS: the client sent something other than a TLS handshake,
	// such as plain text or an HTTP request.
	ErrNotTLS = errors.New("tlstransport: client did not send a TLS handshake")

	// ErrClientCertificate: mutual TLS is on and the client's certificate
	// could not be verified: expired, not yet valid, or not issued by a
	// trusted client CA.
	ErrClientCertificate = errors.New("tlstransport: client certificate rejected")
)

// Conn is one side of a TLS connection over an inner connection: the server
// side when a [Listener] accepted it, the client side when [Client] or [Dial]
// made it. It implements [core.Conn] and [core.Handshaker].
//
// Conn embeds the *tls.Conn, so it has all of its methods: Read, CloseWrite
// (which sends a close_notify alert, so that ace's graceful close works over
// TLS), ConnectionState, Handshake and the rest. Read and Write run the
// handshake on first use, as tls.Conn's do; an ace server runs it beforehand
// with HandshakeContext, bounded by its handshake timeout.
//
// Conn adds to tls.Conn what net.Conn promises and tls.Conn does not keep:
// a write that times out leaves the connection usable (see [Conn.Write]),
// and Close reports success once the connection is closed, even if the
// peer had gone before the close_notify alert could reach it.
type Conn struct {
	*tls.Conn
	raw       *rawConn
	transport string
	server    bool
	// wdl is the write deadline as an offset from epoch (monotonic),
	// 0 for none; see SetWriteDeadline.
	wdl atomic.Int64
}

var (
	_ core.Conn       = (*Conn)(nil)
	_ core.Handshaker = (*Conn)(nil)
)

// epoch is the origin of Conn's deadline offsets: durations since it keep the
// monotonic clock's readings, so a wall clock step does not move a deadline.
var epoch = time.Now()

// newConn wraps inner in the server or client side of TLS. It does no I/O.
func newConn(inner net.Conn, cfg *tls.Config, server bool) *Conn {
	c := &Conn{
		raw:       &rawConn{Conn: inner},
		transport: transportName(core.InfoOf(inner).Transport),
		server:    server,
	}
	if server {
		c.Conn = tls.Server(c.raw, cfg)
	} else {
		c.Conn = tls.Client(c.raw, cfg)
	}
	return c
}

// Client returns the client side of a TLS connection over inner, configured
// by cfg, which must set ServerName or InsecureSkipVerify (crypto/tls cannot
// guess the server's name from inner). The handshake runs on first use, or
// with HandshakeContext. Close closes inner.
func Client(inner net.Conn, cfg *tls.Config) *Conn {
	return newConn(inner, cfg, false)
}

// Dial connects to addr, an address as Transport.Listen takes it ("host:port"
// or "unix:/path"), and completes the client side of the TLS handshake. ctx
// bounds the connection and the handshake. When cfg has no ServerName, the
// host of a TCP address is used, as crypto/tls.Dial does; over a Unix socket
// cfg must set it.
func Dial(ctx context.Context, addr string, cfg *tls.Config) (*Conn, error) {
	network, address := "tcp", addr
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, address = "unix", path
	}
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" && network == "tcp" {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return nil, fmt.Errorf("tlstransport: dial %s: %w", addr, err)
		}
		cfg = cfg.Clone()
		cfg.ServerName = host
	}
	var d net.Dialer
	inner, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, fmt.Errorf("tlstransport: dial %s: %w", addr, err)
	}
	c := Client(inner, cfg)
	if err := c.Conn.HandshakeContext(ctx); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("tlstransport: dial %s: handshake: %w", addr, err)
	}
	return c, nil
}

// transportName names TLS over the inner transport: "tls" over TCP, "tls+"
// and the inner name over anything else.
func transportName(inner string) string {
	if inner == "tcp" || inner == "" {
		return "tls"
	}
	return "tls+" + inner
}

// HandshakeContext runs the TLS handshake, if it has not run yet. When ctx
// is done first, the handshake is interrupted and the connection closed. It
// implements [core.Handshaker]: an ace server calls it on its own goroutine,
// with the handshake timeout, before the app sees the connection.
//
// On the server side, a failure wraps crypto/tls's error and, where it can
// tell, one of [ErrHandshakeTimeout], [ErrHandshakeAborted], [ErrNotTLS] and
// [ErrClientCertificate].
func (c *Conn) HandshakeContext(ctx context.Context) error {
	start := time.Now()
	err := c.Conn.HandshakeContext(ctx)
	switch {
	case err == nil:
		return nil
	case c.server:
		return explain(err, time.Since(start))
	}
	return fmt.Errorf("tlstransport: handshake: %w", err)
}

// explain wraps a server's handshake error with what it means, in the words
// of the person reading the log.
func explain(err error, took time.Duration) error {
	var (
		headerErr tls.RecordHeaderError
		verifyErr *tls.CertificateVerificationError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%w after %v: %w", ErrHandshakeTimeout, took.Round(time.Millisecond), err)
	case errors.As(err, &headerErr):
		return fmt.Errorf("%w: %w", ErrNotTLS, err)
	case errors.As(err, &verifyErr):
		return fmt.Errorf("%w: %w", ErrClientCertificate, err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return fmt.Errorf("%w: %w", ErrHandshakeAborted, err)
	}
	return fmt.Errorf("tlstransport: handshake: %w", err)
}

// Write writes p as TLS records. Like tls.Conn's, it runs the handshake
// first if it has not run yet.
//
// Unlike tls.Conn's, a Write that times out leaves the connection usable, as
// net.Conn's contract asks. If the deadline has passed when Write is called,
// or bytes written before are still waiting for the socket and cannot go out
// before the deadline, Write writes nothing and returns 0 with the timeout.
// If the deadline passes while Write is sending, the records it has sealed
// can no longer be taken back: Write reports all of p as written, along with
// the timeout, and what the socket did not take goes out, in order, before
// anything written later (or when Close sends its close_notify alert).
func (c *Conn) Write(p []byte) (int, error) {
	if d := c.wdl.Load(); d != 0 && time.Since(epoch) >= time.Duration(d) {
		return 0, c.timeoutError()
	}
	if err := c.raw.flush(); err != nil {
		return 0, err
	}
	n, err := c.Conn.Write(p)
	if err == nil {
		if terr := c.raw.takeTimeout(); terr != nil {
			return n, terr
		}
	}
	return n, err
}

// timeoutError is the error of a write whose deadline has passed, as package
// net would report it.
func (c *Conn) timeoutError() error {
	return &net.OpError{
		Op:     "write",
		Net:    c.LocalAddr().Network(),
		Source: c.LocalAddr(),
		Addr:   c.RemoteAddr(),
		Err:    os.ErrDeadlineExceeded,
	}
}

// SetDeadline sets the read and write deadlines, as net.Conn's does.
func (c *Conn) SetDeadline(t time.Time) error {
	c.setWriteDeadline(t)
	return c.Conn.SetDeadline(t)
}

// SetWriteDeadline sets the write deadline, as net.Conn's does. Unlike
// tls.Conn's, a write that times out does not make later writes fail: see
// Write.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.setWriteDeadline(t)
	return c.Conn.SetWriteDeadline(t)
}

func (c *Conn) setWriteDeadline(t time.Time) {
	if t.IsZero() {
		c.wdl.Store(0)
		return
	}
	// Never 0, which means none: a deadline at or before epoch has
	// passed, and so has 1ns after it.
	c.wdl.Store(max(int64(t.Sub(epoch)), 1))
}

// Close closes the connection, first sending a close_notify alert if the
// handshake is complete and no Write is in progress (a Write in progress is
// interrupted instead). Close waits at most 100ms for the socket to take the
// alert, so that closing a connection whose peer stopped reading is prompt;
// crypto/tls alone would wait 5s. If the alert cannot be sent, because the
// peer has gone or does not read, Close still reports success: the
// connection is closed, which is all Close promises.
func (c *Conn) Close() error {
	c.raw.closing.Store(true)
	err := c.Conn.Close()
	if err != nil && !errors.Is(err, net.ErrClosed) && c.raw.closedCleanly() {
		return nil
	}
	return err
}

// NetConn returns the inner connection: the tcp.Conn (or other core.Conn) a
// Listener accepted, or the connection given to Client.
func (c *Conn) NetConn() net.Conn { return c.raw.Conn }

// Info describes the connection. Transport is "tls" over TCP and "tls+" and
// the inner transport's name otherwise ("tls+unix"); the addresses are the
// inner connection's. Once the handshake is complete, Version names the TLS
// version ("TLS 1.3") and TLS holds the connection state: version, cipher
// suite, ALPN protocol, SNI server name and the client's verified
// certificates. Before that, Version is empty and TLS is nil.
func (c *Conn) Info() core.ConnInfo {
	info := core.ConnInfo{
		Transport:  c.transport,
		LocalAddr:  c.LocalAddr(),
		RemoteAddr: c.RemoteAddr(),
	}
	if state := c.ConnectionState(); state.HandshakeComplete {
		info.Version = tls.VersionName(state.Version)
		info.TLS = &state
	}
	return info
}
