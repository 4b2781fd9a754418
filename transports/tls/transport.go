package tlstransport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/tcp"
)

// ErrNoCertificate is returned by Transport.Listen when the transport has no
// certificate to serve.
var ErrNoCertificate = errors.New("tlstransport: no certificate: set Transport.Certs, or a Config with Certificates, GetCertificate or GetConfigForClient")

// Transport serves TLS over an inner stream transport. It implements
// [core.Transport]. A Transport holds only configuration, so one value can
// listen many times.
//
// The zero Transport has no certificate, so it cannot listen: set Certs, or
// give a Config that has one. Every other field has a useful zero value.
//
//	store, err := tlstransport.LoadCertStore(tlstransport.KeyPair{CertFile: "cert.pem", KeyFile: "key.pem"})
//	if err != nil {
//		return err
//	}
//	t := tlstransport.Transport{Certs: store, NextProtos: []string{"ace-echo"}}
//	ep, err := core.Listen(ctx, t, "127.0.0.1:8443", app, core.Config{})
type Transport struct {
	// Inner carries the bytes. When nil, it is the zero tcp.Transport, so
	// addresses are "host:port" for TCP or "unix:/path" for a Unix domain
	// socket.
	Inner core.Transport

	// Certs serves the certificates, chosen by SNI, and reloads them from
	// disk (see CertStore). When set, it replaces Config's Certificates
	// and GetCertificate.
	Certs *CertStore

	// Config, when not nil, is the TLS configuration to start from: it is
	// cloned, and the fields below that are set replace its own. It is the
	// escape hatch for anything they do not cover (cipher suites, session
	// tickets, GetConfigForClient, an in-memory certificate such as
	// SelfSigned makes, ...).
	Config *tls.Config

	// NextProtos lists the ALPN protocols the server supports, in order
	// of preference. A client that offers ALPN protocols but none of
	// these fails the handshake; a client that offers none is served
	// without ALPN.
	NextProtos []string

	// ClientAuth is the mutual TLS policy, such as
	// tls.RequireAndVerifyClientCert. Default: Config's policy, else
	// tls.RequireAndVerifyClientCert when ClientCAFile or ClientCAs is
	// set (that is why one names client CAs), else none.
	ClientAuth tls.ClientAuthType

	// ClientCAFile is a PEM file of the CAs that client certificates are
	// verified against, read once by TLSConfig. Default: Config's
	// ClientCAs, else the system's roots.
	ClientCAFile string

	// ClientCAs holds the CAs that client certificates are verified
	// against, and follows their file when it is reloaded: each handshake
	// verifies against the pool in service when it starts. It cannot be
	// combined with ClientCAFile, nor with a Config that has its own
	// GetConfigForClient ([ErrClientCAsConflict]); see [ClientCAs] for how
	// it works and what it means for the config TLSConfig returns.
	ClientCAs *ClientCAs

	// MinVersion is the lowest TLS version the server accepts, such as
	// tls.VersionTLS13. When 0, Config's MinVersion is used, and when
	// that is 0 too, TLS 1.2.
	MinVersion uint16
}

var _ core.Transport = Transport{}

// Listen listens on addr with the inner transport and returns a [Listener]
// serving TLS on it (rule T1). It implements [core.Transport]; ListenTLS
// returns the concrete type. ctx bounds only the setting up of the listener.
func (t Transport) Listen(ctx context.Context, addr string) (core.Listener, error) {
	ln, err := t.ListenTLS(ctx, addr)
	if err != nil {
		return nil, err
	}
	return ln, nil
}

// ListenTLS is Listen returning the concrete [*Listener].
func (t Transport) ListenTLS(ctx context.Context, addr string) (*Listener, error) {
	cfg, err := t.TLSConfig()
	if err != nil {
		return nil, err
	}
	inner := t.Inner
	if inner == nil {
		inner = tcp.Transport{}
	}
	ln, err := inner.Listen(ctx, addr)
	if err != nil {
		return nil, err
	}
	return NewListener(ln, cfg), nil
}

// TLSConfig returns the server configuration that Listen uses: Config
// cloned, or a new one, with the transport's fields applied. It reads
// ClientCAFile, as LoadClientCAs does, and fails if that cannot be read,
// holds no certificate or holds one that does not parse; it fails too if
// the configuration has no certificate to serve, or if ClientCAs conflicts
// with ClientCAFile or Config (see Transport.ClientCAs). With ClientCAs, the
// returned config's ClientCAs is the pool in service now, and its
// GetConfigForClient gives handshakes the one in service when they start.
func (t Transport) TLSConfig() (*tls.Config, error) {
	cfg := &tls.Config{}
	if t.Config != nil {
		cfg = t.Config.Clone()
	}
	if t.ClientCAs != nil {
		switch {
		case t.ClientCAFile != "":
			return nil, fmt.Errorf("%w: ClientCAFile is set too", ErrClientCAsConflict)
		case cfg.GetConfigForClient != nil:
			return nil, fmt.Errorf("%w: Config has its own GetConfigForClient", ErrClientCAsConflict)
		}
	}
	if t.Certs != nil {
		cfg.Certificates = nil
		cfg.GetCertificate = t.Certs.GetCertificate
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, ErrNoCertificate
	}
	if len(t.NextProtos) > 0 {
		cfg.NextProtos = append([]string(nil), t.NextProtos...)
	}
	if t.ClientCAFile != "" || t.ClientCAs != nil {
		if t.ClientCAs != nil {
			cfg.ClientCAs = t.ClientCAs.Pool()
		} else {
			p, err := readCAs(t.ClientCAFile)
			if err != nil {
				return nil, err
			}
			cfg.ClientCAs = p.pool
		}
		if cfg.ClientAuth == tls.NoClientCert {
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	if t.ClientAuth != tls.NoClientCert {
		cfg.ClientAuth = t.ClientAuth
	}
	if t.MinVersion != 0 {
		cfg.MinVersion = t.MinVersion
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	if t.ClientCAs != nil {
		cfg.GetConfigForClient = newCAConfigs(cfg.Clone(), t.ClientCAs).GetConfigForClient
	}
	return cfg, nil
}
