package tlstransport_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ace-go/ace/core"
	tlstransport "github.com/ace-go/ace/transports/tls"
	"github.com/stretchr/testify/require"
)

// waitTimeout bounds every wait of these tests for an event, and tick is
// how often a wait checks for it.
const (
	waitTimeout = 5 * time.Second
	tick        = 2 * time.Millisecond
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
	pool *x509.CertPool
}

func newCA(t testing.TB, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{
		cert: cert,
		key:  key,
		pem:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pool: pool,
	}
}

// leaf describes a certificate for the CA to issue.
type leaf struct {
	name     string   // common name
	hosts    []string // DNS names and IP addresses
	client   bool     // for client authentication rather than server
	notAfter time.Time
}

// issued is a certificate the CA issued, in memory and as PEM.
type issued struct {
	cert            tls.Certificate
	certPEM, keyPEM []byte
}

func (ca *testCA) issue(t testing.TB, l leaf) issued {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	require.NoError(t, err)
	now := time.Now()
	if l.notAfter.IsZero() {
		l.notAfter = now.Add(time.Hour)
	}
	usage := x509.ExtKeyUsageServerAuth
	if l.client {
		usage = x509.ExtKeyUsageClientAuth
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: l.name},
		NotBefore:    now.Add(-2 * time.Hour),
		NotAfter:     l.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	for _, h := range l.hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	is := issued{
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	is.cert, err = tls.X509KeyPair(is.certPEM, is.keyPEM)
	require.NoError(t, err)
	return is
}

// serverLeaf is the usual server certificate of these tests.
var serverLeaf = leaf{name: "server", hosts: []string{"localhost", "127.0.0.1", "::1"}}

// write writes the certificate and key to dir as name.crt and name.key.
func (is issued) write(t testing.TB, dir, name string) tlstransport.KeyPair {
	t.Helper()
	p := tlstransport.KeyPair{
		CertFile: filepath.Join(dir, name+".crt"),
		KeyFile:  filepath.Join(dir, name+".key"),
	}
	writeFile(t, p.CertFile, is.certPEM)
	writeFile(t, p.KeyFile, is.keyPEM)
	return p
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, data, 0o600))
}

// clientConfig trusts ca and expects the server to be localhost.
func clientConfig(ca *testCA) *tls.Config {
	return &tls.Config{RootCAs: ca.pool, ServerName: "localhost"}
}

// echoHandler sends every packet back.
type echoHandler struct{ core.BaseHandler }

func (echoHandler) Packet(data []byte) core.Action { return core.Send(data) }

// echoApp serves echoHandler and, if infos is not nil, reports every
// connection's info on it.
type echoApp struct{ infos chan core.ConnInfo }

func (a echoApp) NewHandler(info core.ConnInfo) core.Handler {
	if a.infos != nil {
		a.infos <- info
	}
	return echoHandler{}
}

// logBuffer collects what a text slog handler writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logger returns a logger writing every record, debug ones included, to b.
func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// line returns the first logged line that contains every one of parts.
func (b *logBuffer) line(parts ...string) (string, bool) {
	for l := range strings.Lines(b.String()) {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return l, true
		}
	}
	return "", false
}

// noLeaks checks, when the test and its cleanups are done, that the
// goroutines it started have ended. Call it first, so that its cleanup runs
// last.
func noLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// serve starts an endpoint on a TLS transport and closes it when the test
// ends.
func serve(t *testing.T, tr tlstransport.Transport, addr string, app core.App, cfg core.Config) *core.Endpoint {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	ep, err := core.Listen(ctx, tr, addr, app, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ep.Close() })
	return ep
}

// waitStats waits until the endpoint's stats satisfy cond.
func waitStats(t *testing.T, ep *core.Endpoint, what string, cond func(core.Stats) bool) {
	t.Helper()
	require.Eventually(t, func() bool { return cond(ep.Stats()) }, waitTimeout, tick, "stats never showed %s", what)
}

// dialTLS connects to addr with cfg and completes the handshake.
func dialTLS(t *testing.T, addr net.Addr, cfg *tls.Config) (*tls.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	d := tls.Dialer{Config: cfg}
	c, err := d.DialContext(ctx, addr.Network(), addr.String())
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*tls.Conn), nil
}

// mustDialTLS is dialTLS failing the test on error.
func mustDialTLS(t *testing.T, addr net.Addr, cfg *tls.Config) *tls.Conn {
	t.Helper()
	c, err := dialTLS(t, addr, cfg)
	require.NoError(t, err, "TLS dial %v", addr)
	return c
}

// dialRaw opens a plain connection to addr.
func dialRaw(t *testing.T, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(addr.Network(), addr.String(), waitTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// echoes checks that c echoes msg.
func echoes(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(waitTimeout)))
	_, err := io.WriteString(c, msg)
	require.NoError(t, err, "write")
	got := make([]byte, len(msg))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err, "read echo of %q", msg)
	require.Equal(t, msg, string(got), "echo")
}

// waitClosed reads from c until the server closes it, and returns how the
// read ended.
func waitClosed(t *testing.T, c net.Conn) error {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(waitTimeout)))
	_, err := io.Copy(io.Discard, c)
	if err == nil {
		err = io.EOF
	}
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server did not close the connection within %v", waitTimeout)
	return err
}
