package quictransport_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/ace-go/ace/core"
	quictransport "github.com/ace-go/ace/transports/quic"
	"github.com/stretchr/testify/require"
)

// patience bounds every wait in these tests: long enough never to fail on a
// loaded machine, short enough to fail fast when something hangs.
const patience = 5 * time.Second

// testPKI is a CA and a server certificate for localhost and 127.0.0.1
// signed by it, made once per test binary.
type testPKI struct {
	server *tls.Config // the server's certificate
	client *tls.Config // trusts the CA
	roots  *x509.CertPool
	// clientCert is a client certificate signed by the CA, for mutual TLS.
	clientCert tls.Certificate

	ca    *x509.Certificate
	caKey *ecdsa.PrivateKey
}

// certs returns the test PKI, generating it on first use.
func certs(t testing.TB) testPKI {
	t.Helper()
	p, err := sharedPKI()
	require.NoError(t, err, "generating the test PKI")
	return p
}

var (
	pkiOnce sync.Once
	pki     testPKI
	pkiErr  error
)

// sharedPKI returns the PKI shared by the tests, generating it on first use.
func sharedPKI() (testPKI, error) {
	pkiOnce.Do(func() { pki, pkiErr = newPKI() })
	return pki, pkiErr
}

// newPKI generates a CA and a server certificate for localhost, 127.0.0.1
// and ::1 signed by it.
func newPKI() (testPKI, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return testPKI{}, err
	}
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
		return testPKI{}, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return testPKI{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return testPKI{}, err
	}
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
		return testPKI{}, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	p := testPKI{
		server: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}}},
		client: &tls.Config{RootCAs: roots},
		roots:  roots,
		ca:     ca,
		caKey:  caKey,
	}
	p.clientCert, err = p.issueClient("test client", time.Now().Add(24*time.Hour))
	return p, err
}

// issueClient returns a client certificate for cn signed by the CA, valid
// from a day ago until notAfter.
func (p testPKI) issueClient(cn string, notAfter time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-24 * time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// listen listens on 127.0.0.1:0 with cfg, closing the listener when the
// test ends.
func listen(t testing.TB, cfg quictransport.Config) *quictransport.Listener {
	t.Helper()
	ln, err := quictransport.Listen(context.Background(), "127.0.0.1:0", certs(t).server, cfg)
	require.NoError(t, err, "listen")
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// dial dials addr with Dial, closing the connection when the test ends.
func dial(t testing.TB, addr net.Addr) *quictransport.Conn {
	t.Helper()
	return dialConf(t, addr, certs(t).client)
}

// dialConf is dial with a client configuration of the test's own.
func dialConf(t testing.TB, addr net.Addr, conf *tls.Config) *quictransport.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	c, err := quictransport.Dial(ctx, addr.String(), conf)
	require.NoError(t, err, "dial %v", addr)
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(patience))
	return c
}

// dialQUIC connects to addr with quic-go alone, offering the protocols
// alpn, and opens no stream; the connection is closed when the test ends.
func dialQUIC(t testing.TB, addr net.Addr, alpn ...string) (*quic.Conn, error) {
	t.Helper()
	conf := certs(t).client.Clone()
	conf.NextProtos = alpn
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	qc, err := quic.DialAddr(ctx, addr.String(), conf, nil)
	if err == nil {
		t.Cleanup(func() { _ = qc.CloseWithError(0, "") })
	}
	return qc, err
}

// echoApp is the raw echo app: every byte back unchanged, no greeting.
type echoApp struct{}

func (echoApp) NewHandler(core.ConnInfo) core.Handler { return echoHandler{} }

type echoHandler struct{ core.BaseHandler }

func (echoHandler) Packet(data []byte) core.Action { return core.Send(data) }

// serve starts an endpoint serving the raw echo app on a fresh QUIC
// listener, closed when the test ends.
func serve(t testing.TB, cfg core.Config) *core.Endpoint {
	t.Helper()
	ln := listen(t, quictransport.Config{})
	e := core.Start(ln, echoApp{}, cfg)
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// roundTrip writes msg on c and expects it back.
func roundTrip(t testing.TB, c io.ReadWriter, msg string) {
	t.Helper()
	_, err := io.WriteString(c, msg)
	require.NoError(t, err, "writing %q", msg)
	buf := make([]byte, len(msg))
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err, "reading the echo of %q", msg)
	require.Equal(t, msg, string(buf), "echo")
}

// listenTLS is listen with a tls.Config of the test's own.
func listenTLS(t testing.TB, conf *tls.Config, cfg quictransport.Config) *quictransport.Listener {
	t.Helper()
	ln, err := quictransport.Listen(context.Background(), "127.0.0.1:0", conf, cfg)
	require.NoError(t, err, "listen")
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// acceptPair dials ln with conf and returns both ends of the connection,
// the server's after its handshake; both are closed when the test ends.
func acceptPair(t testing.TB, ln *quictransport.Listener, conf *tls.Config) (srv, cl *quictransport.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	type dialed struct {
		c   *quictransport.Conn
		err error
	}
	ch := make(chan dialed, 1)
	go func() {
		c, err := quictransport.Dial(ctx, ln.Addr().String(), conf)
		ch <- dialed{c, err}
	}()
	conn, acceptErr := ln.Accept(ctx)
	d := <-ch
	if d.err != nil {
		if conn != nil {
			_ = conn.Close()
		}
		t.Fatalf("dial: %v", d.err)
	}
	t.Cleanup(func() { _ = d.c.Close() })
	require.NoError(t, acceptErr, "accept")
	srv = conn.(*quictransport.Conn)
	t.Cleanup(func() { _ = srv.Close() })
	require.NoError(t, srv.HandshakeContext(ctx), "handshake")
	_ = srv.SetDeadline(time.Now().Add(patience))
	_ = d.c.SetDeadline(time.Now().Add(patience))
	return srv, d.c
}

// ctx returns a context that ends after patience, or when the test ends.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), patience)
	t.Cleanup(cancel)
	return c
}
