package quictransport_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	quictransport "github.com/ace-go/ace/transports/quic"
)

// patience bounds every wait in these tests: long enough never to fail on a
// loaded machine, short enough to fail fast when something hangs.
const patience = 5 * time.Second

// testPKI is a CA and a server certificate for localhost and 127.0.0.1
// signed by it, made once per test binary.
type testPKI struct {
	server *tls.Config // the server's certificate
	client *tls.Config // trusts the CA
}

var (
	pkiOnce sync.Once
	pki     testPKI
)

// certs returns the test PKI, generating it on first use.
func certs(t testing.TB) testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		caKey := newKey(t)
		caTmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "quictransport test CA"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			KeyUsage:              x509.KeyUsageCertSign,
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
		if err != nil {
			t.Fatalf("creating the CA: %v", err)
		}
		ca, err := x509.ParseCertificate(caDER)
		if err != nil {
			t.Fatalf("parsing the CA: %v", err)
		}
		key := newKey(t)
		leafTmpl := &x509.Certificate{
			SerialNumber: big.NewInt(2),
			Subject:      pkix.Name{CommonName: "localhost"},
			DNSNames:     []string{"localhost"},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatalf("creating the server certificate: %v", err)
		}
		roots := x509.NewCertPool()
		roots.AddCert(ca)
		pki = testPKI{
			server: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}}},
			client: &tls.Config{RootCAs: roots},
		}
	})
	if pki.server == nil {
		t.Fatal("the test PKI could not be generated")
	}
	return pki
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating a key: %v", err)
	}
	return key
}

// listen listens on 127.0.0.1:0 with cfg, closing the listener when the
// test ends.
func listen(t testing.TB, cfg quictransport.Config) *quictransport.Listener {
	t.Helper()
	ln, err := quictransport.Listen(context.Background(), "127.0.0.1:0", certs(t).server, cfg)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// dial dials ln with Dial, closing the connection when the test ends.
func dial(t testing.TB, ln net.Listener) *quictransport.Conn {
	t.Helper()
	return dialAddr(t, ln.Addr())
}

func dialAddr(t testing.TB, addr net.Addr) *quictransport.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	c, err := quictransport.Dial(ctx, addr.String(), certs(t).client)
	if err != nil {
		t.Fatalf("dial %v: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// ctx returns a context that ends after patience, or when the test ends.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), patience)
	t.Cleanup(cancel)
	return c
}
