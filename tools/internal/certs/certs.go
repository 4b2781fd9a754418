// Package certs makes the certificates of a local development setup: a
// certificate authority of one's own, and certificates it signs for the
// names a developer serves on (localhost, 127.0.0.1 and ::1 by default), for
// servers and, for mutual TLS, for clients. `ace certs` writes them to a
// directory; tests make them in memory.
//
// A client trusts every certificate of a set once it trusts the set's CA
// (curl --cacert ca.pem, openssl s_client -CAfile ca.pem, or the system
// trust store), so certificates can be reissued without trusting anything
// again. The CA may sign only end-entity certificates (its path length is
// zero), and its key should stay on the developer's machine: whoever has it
// can issue certificates that the machine trusts.
//
// Keys are ECDSA P-256, written in PKCS #8 PEM; certificates are PEM too,
// as every TLS library and tool reads them.
package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// DefaultHosts are the names and addresses a server certificate is issued
// for when none are given: what a client on the same machine dials.
var DefaultHosts = []string{"localhost", "127.0.0.1", "::1"}

// Validity periods. A leaf certificate is kept under the 825 days that
// macOS and iOS accept for a server certificate from a user-trusted CA.
const (
	CAValidity   = 10 * 365 * 24 * time.Hour
	LeafValidity = 397 * 24 * time.Hour
)

// backdate is how long before "now" certificates become valid, so that a
// machine whose clock is a little behind accepts them.
const backdate = time.Hour

// ErrNoHosts is returned by [CA.IssueServer] when it is given an empty host.
var ErrNoHosts = errors.New("certs: a server certificate needs at least one host name or IP address")

// CA is a certificate authority: a self-signed CA certificate and its key.
type CA struct {
	// Cert is the CA certificate, the trust anchor clients add.
	Cert *x509.Certificate
	// Key is the CA's private key, which signs the certificates it issues.
	Key crypto.Signer
}

// NewCA makes a new CA, valid from an hour before now for [CAValidity].
// Its name carries a random suffix, so that CAs made on different occasions
// can be told apart in a trust store.
func NewCA(now time.Time) (*CA, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Organization: []string{"ace development CA"},
			CommonName:   "ace development CA " + fmt.Sprintf("%032X", serial)[:8],
		},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true, // it signs leaf certificates only
	}
	cert, err := sign(tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("certs: CA certificate: %w", err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// Leaf is a certificate issued by a [CA], with its key.
type Leaf struct {
	// Cert is the certificate.
	Cert *x509.Certificate
	// Key is its private key.
	Key crypto.Signer
}

// IssueServer issues a server certificate for hosts, each a DNS name or an
// IP address, valid from an hour before now for [LeafValidity] (or until the
// CA expires, if sooner). Its extended key usage is server authentication.
func (ca *CA) IssueServer(now time.Time, hosts ...string) (*Leaf, error) {
	if len(hosts) == 0 {
		return nil, ErrNoHosts
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"ace development"}, CommonName: hosts[0]},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if h == "" {
			return nil, ErrNoHosts
		}
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return ca.issue(now, tmpl)
}

// IssueClient issues a client certificate named name, for mutual TLS,
// valid as IssueServer's are. Its extended key usage is client
// authentication, so a server that trusts the CA for client certificates
// (ace serve --client-ca ca.pem) accepts it.
func (ca *CA) IssueClient(now time.Time, name string) (*Leaf, error) {
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"ace development"}, CommonName: name},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	return ca.issue(now, tmpl)
}

// issue completes tmpl as an end-entity certificate and signs it.
func (ca *CA) issue(now time.Time, tmpl *x509.Certificate) (*Leaf, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	if tmpl.SerialNumber, err = newSerial(); err != nil {
		return nil, err
	}
	tmpl.NotBefore = now.Add(-backdate)
	tmpl.NotAfter = now.Add(LeafValidity)
	if tmpl.NotAfter.After(ca.Cert.NotAfter) {
		tmpl.NotAfter = ca.Cert.NotAfter
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.BasicConstraintsValid = true // and IsCA false: it cannot sign
	cert, err := sign(tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("certs: certificate for %s: %w", tmpl.Subject.CommonName, err)
	}
	return &Leaf{Cert: cert, Key: key}, nil
}

// TLSCertificate returns the leaf and its chain (the leaf, then the CA
// certificate) as a tls.Certificate, for a tls.Config of a server or a
// client.
func (l *Leaf) TLSCertificate(ca *CA) tls.Certificate {
	return tls.Certificate{
		Certificate: [][]byte{l.Cert.Raw, ca.Cert.Raw},
		PrivateKey:  l.Key,
		Leaf:        l.Cert,
	}
}

// CertPEM encodes a certificate as a PEM block.
func CertPEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// KeyPEM encodes a private key as a PKCS #8 PEM block.
func KeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("certs: encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// Fingerprint returns the SHA-256 fingerprint of cert as upper-case hex
// bytes separated by colons, the way `openssl x509 -fingerprint -sha256`
// prints it.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	pairs := make([]string, len(sum))
	for i, b := range sum {
		pairs[i] = strings.ToUpper(hex.EncodeToString([]byte{b}))
	}
	return strings.Join(pairs, ":")
}

// newKey makes an ECDSA P-256 key, which every TLS 1.2 and 1.3 client
// supports and which is quick to make.
func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certs: generate key: %w", err)
	}
	return key, nil
}

// newSerial returns a random positive 128-bit serial number, as RFC 5280
// allows (at most 20 octets) and CAs are expected to use (unpredictable).
func newSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("certs: serial number: %w", err)
	}
	return serial.Add(serial, big.NewInt(1)), nil // never 0
}

// sign creates the certificate tmpl, signed by parent's key, and parses it.
// crypto/x509 derives the subject key identifier from the public key and
// the authority key identifier from the parent's.
func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}
