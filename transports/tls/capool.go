package tlstransport

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// ErrClientCAsConflict is returned by Transport.TLSConfig when
// Transport.ClientCAs is set together with ClientCAFile, or with a Config
// that has its own GetConfigForClient.
var ErrClientCAsConflict = errors.New("tlstransport: Transport.ClientCAs conflicts with another setting")

// ClientCAs is a pool of the CA certificates that client certificates are
// verified against, loaded from a PEM file and reloaded without a restart.
// Give it to [Transport].ClientCAs for mutual TLS that follows the file.
//
// [ClientCAs.Reload] reads the file again and swaps the new pool in at once:
// handshakes that start afterwards verify client certificates against it,
// connections already open are untouched, and if the file cannot be read or
// holds no certificate, the old pool stays in service. A ClientCAs is safe
// for concurrent use.
//
// It works through GetConfigForClient: the config that Transport.TLSConfig
// returns hands each handshake a copy of itself with the current pool, made
// once per pool and sharing the returned config's session ticket keys. So
// handshakes see the configuration as TLSConfig built it: a field changed
// afterwards on the returned config, or on a clone of it, does not reach
// them. Set everything through the Transport (quictransport is the
// exception: it gives the configurations GetConfigForClient returns its own
// ALPN protocols).
type ClientCAs struct {
	file string
	cas  atomic.Pointer[caPool] // never modified once stored
	mu   sync.Mutex             // serialises Reload
}

// caPool is one load of the file: the pool and the certificates in it.
type caPool struct {
	pool  *x509.CertPool
	certs []*x509.Certificate
}

// LoadClientCAs loads the CA certificates of a PEM file and returns a
// ClientCAs holding them. It fails, naming the file, if the file cannot be
// read, holds no certificate, or holds a certificate that does not parse.
func LoadClientCAs(file string) (*ClientCAs, error) {
	c := &ClientCAs{file: file}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the file again and, if it loads, verifies the client
// certificates of every handshake that starts afterwards against the CAs now
// in it. Connections already open are untouched. If the file cannot be read,
// holds no certificate, or holds one that does not parse, Reload returns an
// error naming the file and the pool stays as it was.
func (c *ClientCAs) Reload() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := readCAs(c.file)
	if err != nil {
		return err
	}
	c.cas.Store(p)
	return nil
}

// File returns the name of the PEM file the CAs are loaded from.
func (c *ClientCAs) File() string { return c.file }

// Pool returns the pool in service now. It must not be modified; after a
// successful Reload, Pool returns another one.
func (c *ClientCAs) Pool() *x509.CertPool { return c.cas.Load().pool }

// Certificates returns the CA certificates in service now, in the order of
// the file. The slice is the caller's; the certificates must not be
// modified.
func (c *ClientCAs) Certificates() []*x509.Certificate {
	return append([]*x509.Certificate(nil), c.cas.Load().certs...)
}

// readCAs parses the CERTIFICATE blocks of a PEM file, skipping blocks of
// other types as x509.CertPool.AppendCertsFromPEM does, but failing on a
// certificate that does not parse rather than dropping it.
func readCAs(file string) (*caPool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("tlstransport: client CA: %w", err)
	}
	p := &caPool{pool: x509.NewCertPool()}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("tlstransport: client CA: certificate %d in %s: %w", len(p.certs)+1, file, err)
		}
		p.pool.AddCert(cert)
		p.certs = append(p.certs, cert)
	}
	if len(p.certs) == 0 {
		return nil, fmt.Errorf("tlstransport: client CA: no PEM certificate in %s", file)
	}
	return p, nil
}

// caConfigs is the GetConfigForClient of a configuration whose client CAs
// are a ClientCAs: it returns base with ClientCAs set to the pool in service,
// made once per pool rather than once per handshake.
type caConfigs struct {
	base *tls.Config // never modified; its GetConfigForClient is nil
	cas  *ClientCAs
	cur  atomic.Pointer[tls.Config] // base with the ClientCAs it was made for; never modified once stored
	mu   sync.Mutex                 // serialises making a new one
}

// newCAConfigs returns the caConfigs for base, which it keeps: base must not
// be modified afterwards.
func newCAConfigs(base *tls.Config, cas *ClientCAs) *caConfigs {
	c := &caConfigs{base: base, cas: cas}
	c.current()
	return c
}

// GetConfigForClient returns the configuration for a handshake. It has the
// signature of tls.Config.GetConfigForClient and never fails.
func (c *caConfigs) GetConfigForClient(*tls.ClientHelloInfo) (*tls.Config, error) {
	return c.current(), nil
}

// current returns base with the pool in service, making it if the pool
// changed since the last call.
func (c *caConfigs) current() *tls.Config {
	pool := c.cas.Pool()
	if cfg := c.cur.Load(); cfg != nil && cfg.ClientCAs == pool {
		return cfg
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	pool = c.cas.Pool()
	if cfg := c.cur.Load(); cfg != nil && cfg.ClientCAs == pool {
		return cfg
	}
	// The clone sets no session ticket keys of its own unless base has
	// some (then the same ones), so crypto/tls encrypts and decrypts
	// tickets with the keys of the configuration the listener was given:
	// every clone, old or new, shares them.
	cfg := c.base.Clone()
	cfg.ClientCAs = pool
	c.cur.Store(cfg)
	return cfg
}
