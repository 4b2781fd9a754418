package quictransport

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/ace-go/ace/core"
)

// DefaultALPN is the application protocol negotiated when neither
// Config.ALPN nor the tls.Config's NextProtos names one. QUIC requires ALPN:
// a handshake without a protocol both ends know fails.
const DefaultALPN = "ace"

// Preamble is the byte a client sends first on the stream it opens, before
// any data of its own. A QUIC peer learns of a stream only when data arrives
// on it, so without the preamble a server whose app speaks first (a greeting)
// and a client that waits for it would each wait for the other. The server
// consumes the preamble in HandshakeContext; the app never sees it. [Dial]
// sends it; any other QUIC client must send it too.
const Preamble byte = 0xAC

// Defaults for the zero Config.
const (
	DefaultHandshakeTimeout = core.DefaultHandshakeTimeout
	DefaultMaxIdleTimeout   = 30 * time.Second
	DefaultLinger           = time.Second
)

// Application error codes this package sends in CONNECTION_CLOSE and
// STOP_SENDING frames. They are untyped so that they serve both as a
// quic.ApplicationErrorCode and as a quic.StreamErrorCode.
const (
	// CodeNoError closes a connection, or stops reading a stream, in the
	// normal course of things.
	CodeNoError = 0x0
	// CodeProtocolError closes a connection whose client broke the stream
	// mapping: its first stream did not start with [Preamble].
	CodeProtocolError = 0x1
	// CodeRefused closes a connection whose QUIC handshake completed while
	// the listener was closing, so that no server will ever serve it.
	CodeRefused = 0x2
)

// errRefused is what the listener of a closed Listener answers every new
// connection with; quic-go turns it into a CONNECTION_REFUSED error.
var errRefused = errors.New("quictransport: listener closed")

// Config configures a [Listener]. It follows the configuration convention of
// every ace module (docs/configuration.md): the zero value is ready to use and
// a zero field means its default. QUIC's handshake and idle timeouts cannot
// be turned off: a negative one means its default.
type Config struct {
	// ALPN lists the application protocols the server accepts, in order
	// of preference; a client that offers none of them fails the
	// handshake. Default: the tls.Config's NextProtos (also those of the
	// configurations its GetConfigForClient returns), else [DefaultALPN].
	ALPN []string

	// HandshakeTimeout bounds the QUIC handshake, which quic-go runs
	// before Accept sees the connection. Default 10s. (The wait for the
	// client's first stream that follows is bounded by
	// core.Config.HandshakeTimeout.)
	HandshakeTimeout time.Duration

	// MaxIdleTimeout closes a connection on which nothing has arrived for
	// that long (the smaller of the two peers' values applies). Default
	// 30s.
	MaxIdleTimeout time.Duration

	// KeepAlivePeriod makes the server send a packet that often (at most
	// every half MaxIdleTimeout), so that an idle but live client is not
	// timed out. Default 0: no keep-alives.
	KeepAlivePeriod time.Duration

	// Linger bounds how long a connection stays open in the background
	// after Conn.Close, so that the peer can read what was sent; see
	// [Conn.Close]. Default 1s; negative closes at once.
	Linger time.Duration

	// Logger receives, at debug level, the connections that end before
	// Accept returns them (failed handshakes, connections left queued
	// when the listener closed), with the reason. Default slog.Default().
	Logger *slog.Logger
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.MaxIdleTimeout <= 0 {
		c.MaxIdleTimeout = DefaultMaxIdleTimeout
	}
	if c.KeepAlivePeriod < 0 {
		c.KeepAlivePeriod = 0
	}
	if c.Linger == 0 {
		c.Linger = DefaultLinger
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// quicConfig returns the quic-go configuration of a server. A peer may open
// one bidirectional stream, whose credit is never given back, and no
// unidirectional stream: quic-go closes the connection of a peer that opens
// more with a STREAM_LIMIT_ERROR, so no stream can pile up unread. 0-RTT is
// off: the listener is a plain one, which never accepts early data.
func (c Config) quicConfig() *quic.Config {
	return &quic.Config{
		HandshakeIdleTimeout:       c.HandshakeTimeout,
		MaxIdleTimeout:             c.MaxIdleTimeout,
		KeepAlivePeriod:            c.KeepAlivePeriod,
		MaxIncomingStreams:         1,
		MaxIncomingUniStreams:      -1,
		RequireStreamCreditRelease: true,
		Allow0RTT:                  false,
	}
}

// serverTLS returns a copy of tlsConf with the application protocols set.
func (c Config) serverTLS(tlsConf *tls.Config) (*tls.Config, error) {
	if tlsConf == nil {
		return nil, errors.New("quictransport: a tls.Config with a certificate is required")
	}
	conf := tlsConf.Clone()
	conf.NextProtos = alpn(c.ALPN, conf.NextProtos)
	if get := conf.GetConfigForClient; get != nil {
		conf.GetConfigForClient = (&alpnConfigs{get: get, forced: len(c.ALPN) > 0, protos: conf.NextProtos}).GetConfigForClient
	}
	return conf, nil
}

// alpnConfigs wraps a GetConfigForClient so that the configurations it
// returns name the listener's application protocols, as QUIC requires: a
// handshake uses what GetConfigForClient returns in place of the listener's
// configuration, NextProtos included.
type alpnConfigs struct {
	get    func(*tls.ClientHelloInfo) (*tls.Config, error)
	forced bool     // Config.ALPN was set: it replaces every NextProtos
	protos []string // the listener's protocols; never modified
	// last is the configuration get returned last, and its copy with the
	// protocols, so that a callback that returns the same configuration
	// for many handshakes costs one copy, not one each.
	last atomic.Pointer[[2]*tls.Config]
}

// GetConfigForClient has the signature of tls.Config.GetConfigForClient.
func (a *alpnConfigs) GetConfigForClient(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	conf, err := a.get(hello)
	if conf == nil || err != nil || (!a.forced && len(conf.NextProtos) > 0) {
		return conf, err
	}
	if last := a.last.Load(); last != nil && last[0] == conf {
		return last[1], nil
	}
	// The copy keeps conf's session ticket keys, if it set any; if not,
	// crypto/tls uses the listener's, as it would for conf.
	withALPN := conf.Clone()
	withALPN.NextProtos = a.protos
	a.last.Store(&[2]*tls.Config{conf, withALPN})
	return withALPN, nil
}

// alpn returns the first non-empty of the lists, or DefaultALPN.
func alpn(lists ...[]string) []string {
	for _, l := range lists {
		if len(l) > 0 {
			return slices.Clone(l)
		}
	}
	return []string{DefaultALPN}
}

// Transport listens for QUIC connections. It implements [core.Transport].
//
// A Transport holds only configuration, so one value can listen many times.
// Its embedded [Config] holds everything but the certificates.
type Transport struct {
	// TLSConfig holds the server's certificates (Certificates or
	// GetCertificate) and, for mutual TLS, its client-certificate policy.
	// Required. Its NextProtos serve as ALPN list when Config.ALPN is empty.
	TLSConfig *tls.Config

	Config
}

var _ core.Transport = Transport{}

// Listen binds the UDP address addr ("host:port"; port 0 asks the system for
// a free port) and returns a [*Listener]. It implements [core.Transport].
func (t Transport) Listen(ctx context.Context, addr string) (core.Listener, error) {
	ln, err := Listen(ctx, addr, t.TLSConfig, t.Config)
	if err != nil {
		return nil, err
	}
	return ln, nil
}
