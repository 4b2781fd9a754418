package tlstransport

import (
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// ErrNoKeyPair is returned by LoadCertStore when it is given no key pair.
var ErrNoKeyPair = errors.New("tlstransport: no certificate and key pair given")

// KeyPair names a PEM certificate file, which may hold the chain after the
// leaf, and the file of its private key.
type KeyPair struct {
	CertFile string
	KeyFile  string
}

// CertStore serves certificates loaded from files and reloads them without
// a restart. Its GetCertificate method is a tls.Config.GetCertificate; give
// the store to [Transport].Certs, or set it in a tls.Config of your own.
//
// For each handshake, the store picks the first certificate, in the order
// the pairs were given, that suits the client: valid for the SNI server name
// it asked for, with a key it can verify. When none suits it, or the client
// sent no server name and none of the keys suits it, the first certificate
// is the default.
//
// [CertStore.Reload] reads every file again and swaps the new certificates
// in at once: handshakes that start afterwards get them, connections already
// open are untouched, and if any pair fails to load the store keeps serving
// the old certificates. A CertStore is safe for concurrent use.
type CertStore struct {
	pairs []KeyPair
	certs atomic.Pointer[[]tls.Certificate] // never modified once stored
	mu    sync.Mutex                        // serialises Reload
}

// LoadCertStore loads the given pairs, at least one, and returns a store
// serving them. The first pair is the default certificate.
func LoadCertStore(pairs ...KeyPair) (*CertStore, error) {
	if len(pairs) == 0 {
		return nil, ErrNoKeyPair
	}
	s := &CertStore{pairs: append([]KeyPair(nil), pairs...)}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload reads every pair's files again and, if all of them load, serves the
// new certificates to every handshake that starts afterwards. Connections
// already open keep theirs. If any pair fails to load, Reload returns the
// errors, naming the files, and the store keeps the certificates it had.
func (s *CertStore) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	certs := make([]tls.Certificate, 0, len(s.pairs))
	var errs []error
	for _, p := range s.pairs {
		cert, err := tls.LoadX509KeyPair(p.CertFile, p.KeyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("tlstransport: load %s and %s: %w", p.CertFile, p.KeyFile, err))
			continue
		}
		certs = append(certs, cert)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	s.certs.Store(&certs)
	return nil
}

// Certificates returns the certificates the store serves now, default first.
// The slice is the caller's; the certificates in it must not be modified.
func (s *CertStore) Certificates() []tls.Certificate {
	return append([]tls.Certificate(nil), *s.certs.Load()...)
}

// GetCertificate returns the certificate for a handshake; see [CertStore]
// for how it chooses. It has the signature of tls.Config.GetCertificate and
// never fails.
func (s *CertStore) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	certs := *s.certs.Load()
	if len(certs) > 1 {
		for i := range certs {
			if hello.SupportsCertificate(&certs[i]) == nil {
				return &certs[i], nil
			}
		}
	}
	return &certs[0], nil
}
