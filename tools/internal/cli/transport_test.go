package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ace-go/ace/tools/internal/certs"
	quictransport "github.com/ace-go/ace/transports/quic"
	tlstransport "github.com/ace-go/ace/transports/tls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parse parses `ace serve <spec.name>` flags, failing the test on an error.
func parse(t *testing.T, spec appSpec, args ...string) serveConfig {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c, code := parseServe(spec, args, &stdout, &stderr)
	require.Equal(t, -1, code, "parseServe(%q): %s", args, stderr.String())
	return c
}

func TestListFlag(t *testing.T) {
	var l listFlag
	for _, s := range []string{"a", "b, c", " d "} {
		require.NoError(t, l.Set(s), "Set(%q)", s)
	}
	assert.Equal(t, listFlag{"a", "b", "c", "d"}, l)
	assert.Equal(t, "a,b,c,d", l.String())
	assert.Equal(t, "a,b,c,d", l.Get())
	for _, bad := range []string{"", ",", "a,,b", "a, "} {
		assert.Error(t, new(listFlag).Set(bad), "Set(%q)", bad)
	}
	var nilList *listFlag
	assert.Empty(t, nilList.String(), "a nil listFlag has a value")
}

// TestParseTransport checks the transport each combination of flags makes.
func TestParseTransport(t *testing.T) {
	tests := []struct {
		spec appSpec
		args []string
		want transportSpec
	}{
		{echoSpec, nil, transportSpec{kind: "tcp", handshakeTimeout: 10 * time.Second}},
		{echoSpec, []string{"--transport", "tls"}, transportSpec{kind: "tls", handshakeTimeout: 10 * time.Second}},
		{echoSpec, []string{"--transport", "tls", "--cert", "a.pem,b.pem", "--key", "a.key", "--key", "b.key",
			"--client-ca", "ca.pem", "--alpn", "x, y", "--handshake-timeout", "3s"}, transportSpec{
			kind: "tls",
			pairs: []tlstransport.KeyPair{
				{CertFile: "a.pem", KeyFile: "a.key"},
				{CertFile: "b.pem", KeyFile: "b.key"},
			},
			clientCA:         "ca.pem",
			alpn:             []string{"x", "y"},
			handshakeTimeout: 3 * time.Second,
		}},
		// Over QUIC, an empty --alpn leaves quictransport's default.
		{echoSpec, []string{"--transport", "quic"}, transportSpec{kind: "quic", handshakeTimeout: 10 * time.Second}},
		{echoSpec, []string{"--transport", "quic", "--alpn", "ace-test"},
			transportSpec{kind: "quic", alpn: []string{"ace-test"}, handshakeTimeout: 10 * time.Second}},
		// http1 offers http/1.1 over TLS unless told otherwise.
		{http1Spec, []string{"--transport", "tls"},
			transportSpec{kind: "tls", alpn: []string{"http/1.1"}, handshakeTimeout: 10 * time.Second}},
		{http1Spec, []string{"--transport", "tls", "--alpn", "http/1.0"},
			transportSpec{kind: "tls", alpn: []string{"http/1.0"}, handshakeTimeout: 10 * time.Second}},
		{http1Spec, nil, transportSpec{kind: "tcp", handshakeTimeout: 10 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.spec.name+"_"+strings.Join(tt.args, "_"), func(t *testing.T) {
			c := parse(t, tt.spec, tt.args...)
			assert.Equal(t, tt.want, c.transport)
			assert.Equal(t, tt.want.handshakeTimeout, c.core.HandshakeTimeout, "core handshake timeout")
		})
	}
}

// devCerts writes a development set to a new directory and returns it.
func devCerts(t *testing.T) (string, *certs.Set) {
	t.Helper()
	set, err := certs.NewSet(time.Now())
	require.NoError(t, err)
	dir := t.TempDir()
	_, err = set.WriteDir(dir, false)
	require.NoError(t, err)
	return dir, set
}

// dialTLS connects to addr over TLS and returns the connection, with a
// reader of lines, once the handshake is done.
func dialTLS(t *testing.T, addr net.Addr, conf *tls.Config) (*tls.Conn, *bufio.Reader) {
	t.Helper()
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: waitTimeout}, Config: conf}
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	c, err := d.DialContext(ctx, addr.Network(), addr.String())
	require.NoError(t, err, "TLS dial")
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(waitTimeout)))
	return c.(*tls.Conn), bufio.NewReader(c)
}

// fingerprintOf returns the fingerprint of the server certificate of c.
func fingerprintOf(c *tls.Conn) string {
	return tlstransport.FingerprintDER(c.ConnectionState().PeerCertificates[0].Raw)
}

// TestServeSelfSigned serves echo over TLS without certificate files: the
// log gives the fingerprint of the certificate clients get.
func TestServeSelfSigned(t *testing.T) {
	s := startServe(t, parseEcho(t, "--transport", "tls", "--listen", "127.0.0.1:0", "--acceptors", "1"))
	c, r := dialTLS(t, s.addr, &tls.Config{InsecureSkipVerify: true})
	expectLine(t, r, "WELCOME")
	fp := fingerprintOf(c)
	log := s.log.String()
	for _, want := range []string{
		`msg="ace: serving a self-signed certificate" sha256=` + fp + " hosts=localhost,127.0.0.1,::1 not_after=",
		`msg="ace: listening" transport=tls addr=` + s.addr.String(),
	} {
		assert.Contains(t, log, want)
	}
	assert.Less(t, strings.Index(log, "self-signed"), strings.Index(log, "ace: listening"),
		"the certificate is logged after the listening address:\n%s", log)
	require.NoError(t, s.stop(t))
}

// TestServeTLSUnix serves TLS over a Unix socket.
func TestServeTLSUnix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tls.sock")
	s := startServe(t, parseEcho(t, "--transport", "tls", "--listen", "unix:"+path, "--acceptors", "1"))
	_, r := dialTLS(t, s.addr, &tls.Config{InsecureSkipVerify: true})
	expectLine(t, r, "WELCOME")
	require.NoError(t, s.stop(t))
	assert.Contains(t, s.log.String(), "transport=tls+unix addr="+path)
}

// reloadAndWait asks serve to reload, and returns once it has: the reload
// channel is unbuffered, and serve receives the second value only after it
// has handled the first.
func reloadAndWait(t *testing.T, reload chan<- os.Signal) {
	t.Helper()
	for range 2 {
		select {
		case reload <- syscall.SIGHUP:
		case <-time.After(waitTimeout):
			t.Fatal("serve does not take reload requests")
		}
	}
}

// reloadable is `ace serve echo` serving the first of two development
// certificate sets from files, which a test replaces and reloads.
type reloadable struct {
	*started
	reload            chan os.Signal
	first, second     *certs.Set
	certFile, keyFile string
	roots             *x509.CertPool // trusts both sets' CAs
}

func startReloadable(t *testing.T, transport, acceptors string) *reloadable {
	t.Helper()
	dir, first := devCerts(t)
	_, second := devCerts(t)
	r := &reloadable{
		reload: make(chan os.Signal), first: first, second: second,
		certFile: filepath.Join(dir, certs.CertFile), keyFile: filepath.Join(dir, certs.KeyFile),
		roots: x509.NewCertPool(),
	}
	c := parseEcho(t, "--transport", transport, "--listen", "127.0.0.1:0", "--acceptors", acceptors,
		"--cert", r.certFile, "--key", r.keyFile)
	c.reload = r.reload
	r.started = startServe(t, c)
	r.roots.AddCert(first.CA.Cert)
	r.roots.AddCert(second.CA.Cert)
	return r
}

// install writes set's server key and certificate over the served files,
// key first.
func (r *reloadable) install(t *testing.T, set *certs.Set) {
	t.Helper()
	require.NoError(t, certs.WriteFileAtomic(r.keyFile, mustKeyPEM(t, set.Server.Key), 0o600))
	require.NoError(t, certs.WriteFileAtomic(r.certFile, certs.CertPEM(set.Server.Cert), 0o644))
}

// TestServeReload serves certificate files, replaces them and asks for a
// reload: new clients get the new certificate, the client already
// connected keeps talking, and a reload of broken files changes nothing.
func TestServeReload(t *testing.T) {
	s := startReloadable(t, "tls", "2")
	first, second, keyFile, reload := s.first, s.second, s.keyFile, s.reload
	conf := &tls.Config{RootCAs: s.roots, ServerName: "localhost"}
	old, oldR := dialTLS(t, s.addr, conf)
	expectLine(t, oldR, "WELCOME")
	require.Equal(t, certs.Fingerprint(first.Server.Cert), fingerprintOf(old), "serving the first certificate")

	s.install(t, second)
	reloadAndWait(t, reload)
	want := certs.Fingerprint(second.Server.Cert)
	assert.Contains(t, s.log.String(), `msg="ace: certificates reloaded" certs=1 sha256=`+want)
	fresh, freshR := dialTLS(t, s.addr, conf)
	expectLine(t, freshR, "WELCOME")
	assert.Equal(t, want, fingerprintOf(fresh), "a new client gets the second certificate")
	_, err := io.WriteString(old, "still there\n")
	require.NoError(t, err)
	expectLine(t, oldR, "ECHO: still there")

	// A key that does not match the certificate: the reload fails.
	require.NoError(t, certs.WriteFileAtomic(keyFile, mustKeyPEM(t, first.Server.Key), 0o600))
	reloadAndWait(t, reload)
	log := s.log.String()
	assert.Contains(t, log, `level=ERROR msg="ace: certificate reload failed; still serving the previous certificates"`)
	assert.Contains(t, log, keyFile, "the failed reload names the file")
	again, againR := dialTLS(t, s.addr, conf)
	expectLine(t, againR, "WELCOME")
	assert.Equal(t, want, fingerprintOf(again), "after a failed reload, a new client gets the second certificate still")
	require.NoError(t, s.stop(t))
	for _, r := range []*bufio.Reader{oldR, freshR, againR} {
		expectLine(t, r, "BYE")
	}
}

// mustKeyPEM encodes key as PEM.
func mustKeyPEM(t *testing.T, key crypto.Signer) []byte {
	t.Helper()
	b, err := certs.KeyPEM(key)
	require.NoError(t, err)
	return b
}

// TestServeReloadWithoutFiles checks that a reload request to a server
// with no certificate files says so and goes on serving.
func TestServeReloadWithoutFiles(t *testing.T) {
	for _, args := range [][]string{{}, {"--transport", "tls"}} {
		c := parseEcho(t, append(args, "--listen", "127.0.0.1:0", "--acceptors", "1")...)
		reload := make(chan os.Signal)
		c.reload = reload
		s := startServe(t, c)
		reloadAndWait(t, reload)
		assert.Contains(t, s.log.String(), `msg="ace: reload asked, but there are no certificate files to reload"`)
		require.NoError(t, s.stop(t))
	}
}

// TestServeReloadClientCA serves mutual TLS with --client-ca, replaces the
// CA file with another CA's and asks for a reload: clients of the new CA are
// served and those of the old one refused, a connection already open
// carries on, and a reload of a broken file keeps the new CA. Over tls the
// server certificate is self-signed, so the CA file is the only file to
// reload; over quic the server's certificate files are reloaded with it.
func TestServeReloadClientCA(t *testing.T) {
	for _, transport := range []string{"tls", "quic"} {
		t.Run(transport, func(t *testing.T) { testServeReloadClientCA(t, transport) })
	}
}

func testServeReloadClientCA(t *testing.T, transport string) {
	dir, first := devCerts(t)
	_, second := devCerts(t)
	caFile := filepath.Join(t.TempDir(), "client-ca.pem")
	installCA := func(set *certs.Set) {
		t.Helper()
		require.NoError(t, certs.WriteFileAtomic(caFile, certs.CertPEM(set.CA.Cert), 0o644))
	}
	installCA(first)
	args := []string{"--transport", transport, "--listen", "127.0.0.1:0", "--acceptors", "2", "--client-ca", caFile}
	if transport == "quic" {
		args = append(args, "--cert", filepath.Join(dir, certs.CertFile), "--key", filepath.Join(dir, certs.KeyFile))
	}
	c := parseEcho(t, args...)
	reload := make(chan os.Signal)
	c.reload = reload
	s := startServe(t, c)
	assert.Contains(t, s.log.String(), `msg="ace: verifying client certificates" file=`+caFile+" cas=1 sha256="+certs.Fingerprint(first.CA.Cert))

	// try connects with the client certificate of set, offered whatever
	// CAs the server names, and returns the connection once it has read
	// the greeting, or the error that refused it.
	try := func(set *certs.Set) (net.Conn, *bufio.Reader, error) {
		t.Helper()
		cert := set.Client.TLSCertificate(set.CA)
		conf := &tls.Config{
			InsecureSkipVerify:   true, // the client's certificate is what this test is about
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil },
		}
		ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
		defer cancel()
		var conn net.Conn
		var err error
		if transport == "quic" {
			conn, err = quictransport.Dial(ctx, s.addr.String(), conf)
		} else {
			conn, err = (&tls.Dialer{Config: conf}).DialContext(ctx, s.addr.Network(), s.addr.String())
		}
		if err != nil {
			return nil, nil, err
		}
		t.Cleanup(func() { conn.Close() })
		require.NoError(t, conn.SetDeadline(time.Now().Add(waitTimeout)))
		// With TLS 1.3 the client's handshake ends before the server
		// has checked its certificate: a refusal comes on the first read.
		r := bufio.NewReader(conn)
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, nil, err
		}
		if line != "WELCOME\n" {
			t.Fatalf("greeting %q", line)
		}
		return conn, r, nil
	}
	served := func(name string, set *certs.Set) (net.Conn, *bufio.Reader) {
		t.Helper()
		conn, r, err := try(set)
		require.NoError(t, err, "the client of %s was refused", name)
		return conn, r
	}
	refused := func(name string, set *certs.Set) {
		t.Helper()
		_, _, err := try(set)
		assert.Error(t, err, "the client of %s was served", name)
	}

	old, oldR := served("the first CA", first)
	refused("the second CA before the reload", second)

	installCA(second)
	reloadAndWait(t, reload)
	log := s.log.String()
	assert.Contains(t, log, `msg="ace: client CAs reloaded" file=`+caFile+" cas=1 sha256="+certs.Fingerprint(second.CA.Cert))
	assert.NotContains(t, log, "no certificate files to reload", "the reload said there was nothing to reload")
	if transport == "quic" && !strings.Contains(log, `msg="ace: certificates reloaded"`) {
		t.Errorf("the reload of the client CA file did not reload the certificates too:\n%s", log)
	}
	refused("the first CA after the reload", first)
	_, freshR := served("the second CA", second)
	_, err := io.WriteString(old, "still there\n")
	require.NoError(t, err)
	expectLine(t, oldR, "ECHO: still there")

	// A file that no longer parses: the reload fails, the second CA stays.
	require.NoError(t, certs.WriteFileAtomic(caFile, []byte("not a certificate\n"), 0o644))
	reloadAndWait(t, reload)
	failed := false
	for line := range strings.Lines(s.log.String()) {
		failed = failed || strings.Contains(line, `level=ERROR msg="ace: client CA reload failed; still verifying clients with the previous CAs"`) &&
			strings.Contains(line, caFile)
	}
	if !failed {
		t.Errorf("log lacks the failed reload naming %s:\n%s", caFile, s.log)
	}
	_, againR := served("the second CA after a failed reload", second)
	refused("the first CA after a failed reload", first)
	require.NoError(t, s.stop(t))
	for _, r := range []*bufio.Reader{oldR, freshR, againR} {
		expectLine(t, r, "BYE")
	}
}

// TestServeSNI serves two certificates and checks that each client gets the
// one for the name it asks for, the first by default.
func TestServeSNI(t *testing.T) {
	dir := t.TempDir()
	ca, err := certs.NewCA(time.Now())
	require.NoError(t, err)
	var args []string
	fps := map[string]string{}
	for _, host := range []string{"one.test", "two.test"} {
		leaf, err := ca.IssueServer(time.Now(), host)
		require.NoError(t, err)
		certFile, keyFile := filepath.Join(dir, host+".pem"), filepath.Join(dir, host+"-key.pem")
		require.NoError(t, certs.WriteFileAtomic(certFile, certs.CertPEM(leaf.Cert), 0o644))
		require.NoError(t, certs.WriteFileAtomic(keyFile, mustKeyPEM(t, leaf.Key), 0o600))
		args = append(args, "--cert", certFile, "--key", keyFile)
		fps[host] = certs.Fingerprint(leaf.Cert)
	}
	s := startServe(t, parseEcho(t, append(args, "--transport", "tls", "--listen", "127.0.0.1:0", "--acceptors", "1")...))
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, host := range []string{"two.test", "one.test"} {
		c, r := dialTLS(t, s.addr, &tls.Config{RootCAs: roots, ServerName: host})
		expectLine(t, r, "WELCOME")
		assert.Equal(t, fps[host], fingerprintOf(c), "%s: certificate", host)
	}
	assert.Contains(t, s.log.String(), `msg="ace: serving certificates" certs=2 sha256=`+fps["one.test"]+","+fps["two.test"]+" hosts=one.test ")
	require.NoError(t, s.stop(t))
}

// TestServeQUICMutualTLS serves echo over QUIC with --client-ca: a client
// without a certificate fails, one with the CA's client certificate is
// served, and its connection info has the negotiated ALPN protocol.
func TestServeQUICMutualTLS(t *testing.T) {
	dir, set := devCerts(t)
	s := startServe(t, parseEcho(t, "--transport", "quic", "--listen", "127.0.0.1:0", "--acceptors", "1",
		"--cert", filepath.Join(dir, certs.CertFile), "--key", filepath.Join(dir, certs.KeyFile),
		"--client-ca", filepath.Join(dir, certs.CAFile), "--handshake-timeout", "5s"))
	assert.Equal(t, "udp", s.addr.Network())
	roots := x509.NewCertPool()
	roots.AddCert(set.CA.Cert)
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()

	if c, err := quictransport.Dial(ctx, s.addr.String(), &tls.Config{RootCAs: roots, ServerName: "localhost"}); err == nil {
		// The refusal may come after the client's side of the handshake.
		_ = c.SetDeadline(time.Now().Add(waitTimeout))
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err == nil {
			t.Errorf("a client without a certificate was served %q", line)
		}
	}

	c, err := quictransport.Dial(ctx, s.addr.String(), &tls.Config{
		RootCAs: roots, ServerName: "localhost",
		Certificates: []tls.Certificate{set.Client.TLSCertificate(set.CA)},
	})
	require.NoError(t, err, "client with a certificate")
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(waitTimeout)))
	assert.Equal(t, quictransport.DefaultALPN, c.Info().TLS.NegotiatedProtocol, "ALPN")
	r := bufio.NewReader(c)
	expectLine(t, r, "WELCOME")
	_, err = io.WriteString(c, "over quic\n")
	require.NoError(t, err)
	expectLine(t, r, "ECHO: over quic")
	_, err = io.WriteString(c, "/quit\n")
	require.NoError(t, err)
	expectLine(t, r, "BYE")
	require.NoError(t, s.stop(t))
	assert.Contains(t, s.log.String(), "transport=quic addr="+s.addr.String())
}

// TestServeCertFailure checks that certificate files that cannot be loaded
// stop the command before it listens, with exit status 1, and before it
// logs what it would serve.
func TestServeCertFailure(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	good, _ := devCerts(t)
	cert, key := filepath.Join(good, certs.CertFile), filepath.Join(good, certs.KeyFile)
	for _, args := range [][]string{
		{"--transport", "tls", "--cert", missing, "--key", missing},
		{"--transport", "quic", "--cert", missing, "--key", missing},
		{"--transport", "tls", "--client-ca", missing},
		{"--transport", "quic", "--client-ca", missing},
		{"--transport", "tls", "--cert", cert, "--key", key, "--client-ca", missing},
		{"--transport", "quic", "--cert", cert, "--key", key, "--client-ca", missing},
	} {
		var stdout, stderr bytes.Buffer
		code := Run(t.Context(), append([]string{"serve", "echo", "--listen", "127.0.0.1:0"}, args...), Env{Stdout: &stdout, Stderr: &stderr})
		assert.Equal(t, ExitFailure, code, "%q: exit status", args)
		log := stderr.String()
		assert.Contains(t, log, `msg="ace: echo failed"`, "%q", args)
		assert.Contains(t, log, missing, "%q: the failure names the file", args)
		for _, msg := range []string{"ace: listening", "ace: serving a self-signed certificate", "ace: serving certificates"} {
			assert.NotContains(t, log, msg, "%q: before the failure", args)
		}
	}
}

// TestServeQUICReload checks that a reload reaches QUIC handshakes too.
func TestServeQUICReload(t *testing.T) {
	s := startReloadable(t, "quic", "1")
	first, second, roots := s.first, s.second, s.roots
	// quicFingerprint dials, reads the greeting, says goodbye, and returns
	// the fingerprint of the server's certificate.
	quicFingerprint := func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
		defer cancel()
		conn, err := quictransport.Dial(ctx, s.addr.String(), &tls.Config{RootCAs: roots, ServerName: "localhost"})
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetDeadline(time.Now().Add(waitTimeout)))
		r := bufio.NewReader(conn)
		expectLine(t, r, "WELCOME")
		_, err = io.WriteString(conn, "/quit\n")
		require.NoError(t, err)
		expectLine(t, r, "BYE")
		return tlstransport.FingerprintDER(conn.Info().TLS.PeerCertificates[0].Raw)
	}
	require.Equal(t, certs.Fingerprint(first.Server.Cert), quicFingerprint(), "serving the first certificate")
	s.install(t, second)
	reloadAndWait(t, s.reload)
	assert.Equal(t, certs.Fingerprint(second.Server.Cert), quicFingerprint(), "after the reload, serving the second certificate")
	require.NoError(t, s.stop(t))
}
