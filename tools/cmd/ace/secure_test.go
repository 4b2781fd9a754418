package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ace-go/ace/tools/internal/certs"
	quictransport "github.com/ace-go/ace/transports/quic"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCerts runs `ace certs` as a user would: it writes the files with
// private keys readable by their owner only, says how to trust the CA,
// refuses to overwrite without --force, and replaces the CA with it.
func testCerts(t *testing.T, bin string) {
	dir := filepath.Join(t.TempDir(), "dev certs") // a space, as in many home directories
	stdout, stderr, err := runTool(t, bin, "certs", "--dir", dir)
	require.NoError(t, err, "ace certs: %s", stderr)
	require.Empty(t, stderr, "ace certs")
	modes := map[string]fs.FileMode{
		certs.CAFile: 0o644, certs.CAKeyFile: 0o600, certs.CertFile: 0o644,
		certs.KeyFile: 0o600, certs.ClientCertFile: 0o644, certs.ClientKeyFile: 0o600,
	}
	for name, want := range modes {
		fi, err := os.Stat(filepath.Join(dir, name))
		if assert.NoError(t, err) {
			assert.Equal(t, want, fi.Mode().Perm(), "%s: mode", name)
		}
	}
	ca := filepath.Join(dir, certs.CAFile)
	for _, want := range []string{
		"curl --cacert " + ca,
		"openssl s_client -connect localhost:8080 -CAfile " + ca + " -verify_return_error",
		"update-ca-certificates",
		"security add-trusted-cert",
		"--cert " + filepath.Join(dir, certs.CertFile) + " --key " + filepath.Join(dir, certs.KeyFile),
		fingerprintFile(t, ca),
		fingerprintFile(t, filepath.Join(dir, certs.CertFile)),
	} {
		assert.Contains(t, stdout, want)
	}
	// The certificate is for localhost, 127.0.0.1 and ::1, signed by the CA.
	leaf := readCert(t, filepath.Join(dir, certs.CertFile))
	for _, host := range certs.DefaultHosts {
		assert.NoError(t, leaf.VerifyHostname(host), "cert.pem")
	}
	assert.NoError(t, leaf.CheckSignatureFrom(readCert(t, ca)), "cert.pem is not signed by ca.pem")

	before := fingerprintFile(t, ca)
	stdout, stderr, err = runTool(t, bin, "certs", "--dir", dir)
	var exit *exec.ExitError
	if assert.ErrorAs(t, err, &exit, "ace certs over existing files") {
		assert.Equal(t, 1, exit.ExitCode(), "ace certs over existing files: exit status")
	}
	assert.Empty(t, stdout, "ace certs over existing files")
	assert.Regexp(t, `^.*--force.*\n$`, stderr, "ace certs over existing files: one line naming --force")
	assert.Equal(t, before, fingerprintFile(t, ca), "ace certs replaced the CA without --force")
	_, stderr, err = runTool(t, bin, "certs", "--dir", dir, "--force", "--host", "dev.test,10.1.2.3")
	require.NoError(t, err, "ace certs --force: %s", stderr)
	assert.NotEqual(t, before, fingerprintFile(t, ca), "ace certs --force kept the CA")
	assert.NoError(t, readCert(t, filepath.Join(dir, certs.CertFile)).VerifyHostname("dev.test"), "--host dev.test")
}

// testTLSOpenSSL talks to `ace serve echo --transport tls` with openssl
// s_client: first to a self-signed certificate, which openssl cannot
// verify, then to a certificate from `ace certs`, verified with -CAfile.
func testTLSOpenSSL(t *testing.T, bin string) {
	openssl := needTool(t, "openssl")
	t.Run("self-signed", func(t *testing.T) {
		p := start(t, bin, "serve", "echo", "--transport", "tls", "--listen", "127.0.0.1:0", "--acceptors", "2")
		self := p.log.wait(t, "ace: serving a self-signed certificate")
		assert.Equal(t, "localhost,127.0.0.1,::1", self["hosts"], "self-signed record %v", self)
		assert.Len(t, self["sha256"], 95, "self-signed record %v: a SHA-256 fingerprint", self)
		rec := p.log.wait(t, "ace: listening")
		assert.Equal(t, "tls", rec["transport"], "listening record %v", rec)
		addr := rec["addr"]

		// Verified against the system's roots, a self-signed certificate
		// is refused: openssl ends the handshake and exits 1.
		refused := startTool(t, openssl, "s_client", "-connect", addr, "-quiet", "-verify_return_error")
		assert.Error(t, refused.wait(), "openssl s_client -verify_return_error accepted a self-signed certificate")
		assert.Empty(t, refused.stdout.String(), "refused openssl printed")

		// Without -verify_return_error, openssl reports the error and goes on.
		s := startTool(t, openssl, "s_client", "-connect", addr, "-quiet")
		s.send("hello over TLS")
		s.expect("WELCOME")
		s.expect("ECHO: hello over TLS")
		s.send("/quit")
		s.expect("BYE")
		assert.NoError(t, s.wait(), "openssl s_client")
		p.signalAndWait(t, syscall.SIGTERM)
	})

	t.Run("ace-certs", func(t *testing.T) {
		dir := makeCerts(t, bin)
		p := start(t, bin, "serve", "echo", "--transport", "tls", "--listen", "127.0.0.1:0",
			"--cert", filepath.Join(dir, "cert.pem"), "--key", filepath.Join(dir, "key.pem"))
		assert.Equal(t, fingerprintFile(t, filepath.Join(dir, "cert.pem")), p.log.wait(t, "ace: serving certificates")["sha256"],
			"logged fingerprint: cert.pem's")
		addr := p.log.wait(t, "ace: listening")["addr"]
		ca := filepath.Join(dir, "ca.pem")

		a := startTool(t, openssl, "s_client", "-connect", addr, "-quiet", "-CAfile", ca,
			"-verify_return_error", "-servername", "localhost", "-verify_hostname", "localhost")
		b := startTool(t, openssl, "s_client", "-connect", addr, "-quiet", "-CAfile", ca,
			"-verify_return_error", "-verify_ip", "127.0.0.1")
		for i, s := range []*tool{a, b} {
			s.send(fmt.Sprintf("verified %d", i))
			s.expect("WELCOME")
			s.expect(fmt.Sprintf("ECHO: verified %d", i))
		}
		// A name the certificate was not issued for is refused.
		wrong := startTool(t, openssl, "s_client", "-connect", addr, "-quiet", "-CAfile", ca,
			"-verify_return_error", "-verify_hostname", "example.com")
		assert.Error(t, wrong.wait(), "openssl accepted the certificate for example.com")
		// On shutdown, both clients get BYE and openssl exits.
		p.signalAndWait(t, syscall.SIGTERM)
		for _, s := range []*tool{a, b} {
			s.expect("BYE")
			assert.NoError(t, s.wait(), "openssl s_client")
		}
	})
}

// testQUIC talks to `ace serve echo --transport quic` with a quic-go client
// (quictransport.Dial): first pinning the self-signed certificate by the
// fingerprint the log gives, then verifying a certificate from `ace certs`
// with a custom ALPN protocol.
func testQUIC(t *testing.T, bin string) {
	t.Run("self-signed", func(t *testing.T) {
		p := start(t, bin, "serve", "echo", "--transport", "quic", "--listen", "127.0.0.1:0")
		fp := p.log.wait(t, "ace: serving a self-signed certificate")["sha256"]
		rec := p.log.wait(t, "ace: listening")
		assert.Equal(t, "quic", rec["transport"], "listening record %v", rec)
		c := dialQUIC(t, rec["addr"], &tls.Config{
			InsecureSkipVerify: true, // the fingerprint is checked instead
			VerifyConnection: func(cs tls.ConnectionState) error {
				if got := certs.Fingerprint(cs.PeerCertificates[0]); got != fp {
					return fmt.Errorf("server certificate %s, want the logged %s", got, fp)
				}
				return nil
			},
		})
		info := c.conn.(*quictransport.Conn).Info()
		assert.Equal(t, "quic", info.Transport, "connection info %+v", info)
		assert.Equal(t, quictransport.DefaultALPN, info.TLS.NegotiatedProtocol, "ALPN")
		c.expect("WELCOME")
		c.send("hello over QUIC")
		c.expect("ECHO: hello over QUIC")
		// A QUIC client reads what the server sent before the server
		// closes the connection, which discards what is still unread
		// (see package quictransport): read BYE while ace shuts down.
		p.signal(t, syscall.SIGTERM)
		c.expect("BYE")
		c.expectClosed()
		p.wait(t, syscall.SIGTERM)
	})

	t.Run("ace-certs", func(t *testing.T) {
		dir := makeCerts(t, bin)
		p := start(t, bin, "serve", "echo", "--transport", "quic", "--listen", "127.0.0.1:0", "--alpn", "ace-test,ace",
			"--cert", filepath.Join(dir, "cert.pem"), "--key", filepath.Join(dir, "key.pem"))
		addr := p.log.wait(t, "ace: listening")["addr"]
		conf := &tls.Config{RootCAs: caPool(t, filepath.Join(dir, "ca.pem")), ServerName: "localhost", NextProtos: []string{"ace-test"}}
		c := dialQUIC(t, addr, conf)
		assert.Equal(t, "ace-test", c.conn.(*quictransport.Conn).Info().TLS.NegotiatedProtocol, "ALPN")
		c.expect("WELCOME")
		c.send("/quit")
		c.expect("BYE")
		c.expectClosed()
		// A client trusting only another CA is refused.
		other := makeCerts(t, bin)
		ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
		defer cancel()
		conf.RootCAs = caPool(t, filepath.Join(other, "ca.pem"))
		if conn, err := quictransport.Dial(ctx, addr, conf); !assert.Error(t, err, "a client that does not trust the CA completed the QUIC handshake") {
			conn.Close()
		}
		p.signalAndWait(t, syscall.SIGTERM)
	})
}

// dialQUIC connects to addr with quictransport.Dial.
func dialQUIC(t *testing.T, addr string, conf *tls.Config) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	conn, err := quictransport.Dial(ctx, addr, conf)
	require.NoError(t, err, "QUIC dial %s", addr)
	t.Cleanup(func() { conn.Close() })
	return newClient(t, conn)
}

// testTLSReload serves the files of certificate A, replaces them with those
// of certificate B, and sends SIGHUP: new clients get B, while a client
// connected before still talks to its server. A reload that fails keeps B.
func testTLSReload(t *testing.T, bin string) {
	dirA, dirB := makeCerts(t, bin), makeCerts(t, bin)
	fpA, fpB := fingerprintFile(t, filepath.Join(dirA, "cert.pem")), fingerprintFile(t, filepath.Join(dirB, "cert.pem"))
	work := t.TempDir()
	certFile, keyFile := filepath.Join(work, "cert.pem"), filepath.Join(work, "key.pem")
	install := func(dir string) {
		t.Helper()
		for _, name := range []string{"cert.pem", "key.pem"} {
			data, err := os.ReadFile(filepath.Join(dir, name))
			require.NoError(t, err)
			require.NoError(t, certs.WriteFileAtomic(filepath.Join(work, name), data, 0o600))
		}
	}
	install(dirA)

	p := start(t, bin, "serve", "echo", "--transport", "tls", "--listen", "127.0.0.1:0",
		"--cert", certFile, "--key", keyFile)
	require.Equal(t, fpA, p.log.wait(t, "ace: serving certificates")["sha256"], "serving A")
	addr := p.log.wait(t, "ace: listening")["addr"]
	// The client trusts both CAs, so only the fingerprint tells A from B.
	conf := &tls.Config{
		RootCAs:    caPool(t, filepath.Join(dirA, "ca.pem"), filepath.Join(dirB, "ca.pem")),
		ServerName: "localhost",
	}
	old := dialTLS(t, addr, conf)
	require.Equal(t, fpA, peerFingerprint(t, old), "the first client sees A")
	old.expect("WELCOME")

	install(dirB)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGHUP))
	require.Equal(t, fpB, p.log.wait(t, "ace: certificates reloaded")["sha256"], "reloaded B")
	fresh := dialTLS(t, addr, conf)
	assert.Equal(t, fpB, peerFingerprint(t, fresh), "a client after SIGHUP sees B")
	fresh.expect("WELCOME")
	old.send("still here")
	old.expect("ECHO: still here")

	// A file that no longer parses: the reload fails, B stays.
	require.NoError(t, certs.WriteFileAtomic(certFile, []byte("not a certificate\n"), 0o644))
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGHUP))
	failed := p.log.wait(t, "ace: certificate reload failed; still serving the previous certificates")
	assert.Contains(t, failed["err"], certFile)
	assert.Equal(t, fpB, peerFingerprint(t, dialTLS(t, addr, conf)), "a client after a failed reload sees B")

	p.signalAndWait(t, syscall.SIGTERM)
	for _, c := range []*client{old, fresh} {
		c.expect("BYE")
		c.expectClosed()
	}
}

// testMutualTLS serves with --client-ca: a client without a certificate,
// and one whose certificate another CA signed, are refused; one with the
// client certificate from `ace certs` is served.
func testMutualTLS(t *testing.T, bin string) {
	dir, other := makeCerts(t, bin), makeCerts(t, bin)
	p := start(t, bin, "serve", "echo", "--transport", "tls", "--listen", "127.0.0.1:0", "--log-level", "DEBUG",
		"--cert", filepath.Join(dir, "cert.pem"), "--key", filepath.Join(dir, "key.pem"),
		"--client-ca", filepath.Join(dir, "ca.pem"))
	addr := p.log.wait(t, "ace: listening")["addr"]
	roots := caPool(t, filepath.Join(dir, "ca.pem"))

	for name, conf := range map[string]*tls.Config{
		"no certificate": {RootCAs: roots, ServerName: "localhost"},
		"another CA's certificate": {RootCAs: roots, ServerName: "localhost", Certificates: []tls.Certificate{
			loadKeyPair(t, filepath.Join(other, "client.pem"), filepath.Join(other, "client-key.pem")),
		}},
	} {
		// With TLS 1.3 the client's handshake ends before the server has
		// checked its certificate: the refusal arrives as an alert on the
		// first read.
		conn, err := tryTLS(t, addr, conf)
		if err == nil {
			var line string
			line, err = newClient(t, conn).r.ReadString('\n')
			conn.Close()
			if err == nil {
				t.Errorf("client with %s: served %q", name, line)
				continue
			}
		}
		assert.Contains(t, err.Error(), "remote error: tls: ")
	}
	failed := p.log.wait(t, "ace: handshake failed")
	assert.Contains(t, failed["err"], "certificate")

	c := dialTLS(t, addr, &tls.Config{RootCAs: roots, ServerName: "localhost", Certificates: []tls.Certificate{
		loadKeyPair(t, filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")),
	}})
	c.expect("WELCOME")
	c.send("mutual")
	c.expect("ECHO: mutual")
	p.signalAndWait(t, syscall.SIGTERM)
	c.expect("BYE")
	c.expectClosed()
}
