package certs

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// now is the time certificates are made at in these tests.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newSet(t *testing.T, hosts ...string) *Set {
	t.Helper()
	s, err := NewSet(now, hosts...)
	require.NoError(t, err)
	return s
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// TestServerVerifies checks that the server certificate chains to the CA
// for every default name, for server authentication only, and for no other
// name.
func TestServerVerifies(t *testing.T) {
	s := newSet(t)
	roots := pool(s.CA.Cert)
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		chains, err := s.Server.Cert.Verify(x509.VerifyOptions{
			DNSName:     name,
			Roots:       roots,
			CurrentTime: now,
			KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		})
		if !assert.NoError(t, err, "verify for %s", name) {
			continue
		}
		if assert.Len(t, chains, 1, "verify for %s", name) && assert.Len(t, chains[0], 2, "verify for %s", name) {
			assert.True(t, chains[0][1].Equal(s.CA.Cert), "verify for %s: chains %v, want leaf then CA", name, chains)
		}
	}
	for _, name := range []string{"example.com", "127.0.0.2", "::2", "localhost.localdomain"} {
		_, err := s.Server.Cert.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: now})
		assert.Error(t, err, "verifies for %s, which it was not issued for", name)
	}
	// Not a client certificate.
	_, err := s.Server.Cert.Verify(x509.VerifyOptions{
		Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	assert.Error(t, err, "the server certificate verifies for client authentication")
	// Only the CA it was issued by vouches for it.
	other := newSet(t)
	_, err = s.Server.Cert.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: pool(other.CA.Cert), CurrentTime: now})
	assert.Error(t, err, "verifies with another CA")
}

func TestCustomHosts(t *testing.T) {
	s := newSet(t, "dev.test", "10.0.0.7")
	assert.Equal(t, []string{"dev.test"}, s.Server.Cert.DNSNames)
	if assert.Len(t, s.Server.Cert.IPAddresses, 1) {
		assert.True(t, s.Server.Cert.IPAddresses[0].Equal(net.ParseIP("10.0.0.7")), "IP addresses %v, want [10.0.0.7]", s.Server.Cert.IPAddresses)
	}
	assert.Equal(t, "dev.test", s.Server.Cert.Subject.CommonName, "common name: the first host")
	ca, err := NewCA(now)
	require.NoError(t, err)
	for _, hosts := range [][]string{nil, {"localhost", ""}} {
		_, err := ca.IssueServer(now, hosts...)
		assert.ErrorIs(t, err, ErrNoHosts, "IssueServer(%q)", hosts)
	}
}

func TestClientVerifies(t *testing.T) {
	s := newSet(t)
	roots := pool(s.CA.Cert)
	_, err := s.Client.Cert.Verify(x509.VerifyOptions{
		Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	assert.NoError(t, err, "client certificate")
	_, err = s.Client.Cert.Verify(x509.VerifyOptions{
		Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	assert.Error(t, err, "the client certificate verifies for server authentication")
	assert.Equal(t, ClientName, s.Client.Cert.Subject.CommonName, "client common name")
}

// TestKeyUsage checks what each certificate may be used for.
func TestKeyUsage(t *testing.T) {
	s := newSet(t)
	ca := s.CA.Cert
	if !ca.IsCA || !ca.BasicConstraintsValid || ca.MaxPathLen != 0 || !ca.MaxPathLenZero {
		t.Errorf("CA constraints: IsCA %v, valid %v, MaxPathLen %d, zero %v; want a CA that signs leaves only",
			ca.IsCA, ca.BasicConstraintsValid, ca.MaxPathLen, ca.MaxPathLenZero)
	}
	assert.NotZero(t, ca.KeyUsage&x509.KeyUsageCertSign, "CA key usage %b lacks cert sign", ca.KeyUsage)
	assert.Equal(t, ca.RawSubject, ca.RawIssuer, "the CA certificate is not self-signed")
	assert.NoError(t, ca.CheckSignatureFrom(ca), "the CA certificate is not self-signed")
	assert.NotEmpty(t, ca.SubjectKeyId, "the CA has no subject key identifier")
	for name, leaf := range map[string]*x509.Certificate{"server": s.Server.Cert, "client": s.Client.Cert} {
		if leaf.IsCA || !leaf.BasicConstraintsValid {
			t.Errorf("%s: IsCA %v, basic constraints valid %v; want an end entity", name, leaf.IsCA, leaf.BasicConstraintsValid)
		}
		assert.Equal(t, x509.KeyUsageDigitalSignature, leaf.KeyUsage, "%s: key usage: digital signature only", name)
		assert.Len(t, leaf.ExtKeyUsage, 1, "%s: extended key usages", name)
		assert.Equal(t, ca.SubjectKeyId, leaf.AuthorityKeyId, "%s: authority key id: the CA's", name)
		assert.Equal(t, ca.RawSubject, leaf.RawIssuer, "%s: issuer %v, want the CA", name, leaf.Issuer)
	}
	assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, s.Server.Cert.ExtKeyUsage, "server: extended key usage")
	assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, s.Client.Cert.ExtKeyUsage, "client: extended key usage")
	assert.Positive(t, s.Server.Cert.SerialNumber.Sign(), "serial number not positive")
	assert.NotZero(t, s.Server.Cert.SerialNumber.Cmp(s.Client.Cert.SerialNumber), "serial numbers are not distinct")
}

// TestPathLenZero checks that the CA vouches for its own leaves only: a
// certificate issued by an intermediate CA it signed does not verify, nor
// does one issued with a leaf's key.
func TestPathLenZero(t *testing.T) {
	s := newSet(t)
	key, err := newKey()
	require.NoError(t, err)
	interTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(99),
		Subject:               pkix.Name{CommonName: "intermediate"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	inter, err := sign(interTmpl, s.CA.Cert, &key.PublicKey, s.CA.Key)
	require.NoError(t, err)
	for name, issuer := range map[string]*CA{
		"intermediate": {Cert: inter, Key: key},
		"leaf":         {Cert: s.Server.Cert, Key: s.Server.Key},
	} {
		leaf, err := issuer.IssueServer(now, "localhost")
		require.NoError(t, err)
		_, err = leaf.Cert.Verify(x509.VerifyOptions{
			DNSName: "localhost", Roots: pool(s.CA.Cert), Intermediates: pool(issuer.Cert), CurrentTime: now,
		})
		assert.Error(t, err, "a certificate issued by the %s verifies", name)
	}
}

// TestValidity checks the validity periods, and that verification fails
// outside them.
func TestValidity(t *testing.T) {
	s := newSet(t)
	assert.WithinDuration(t, now.Add(-time.Hour), s.CA.Cert.NotBefore, 0, "CA not before")
	assert.WithinDuration(t, now.Add(CAValidity), s.CA.Cert.NotAfter, 0, "CA not after")
	for name, leaf := range map[string]*x509.Certificate{"server": s.Server.Cert, "client": s.Client.Cert} {
		assert.WithinDuration(t, now.Add(-time.Hour), leaf.NotBefore, 0, "%s: not before", name)
		assert.WithinDuration(t, now.Add(LeafValidity), leaf.NotAfter, 0, "%s: not after", name)
	}
	assert.LessOrEqual(t, LeafValidity, 825*24*time.Hour, "leaf validity exceeds the 825 days Apple platforms accept")
	roots := pool(s.CA.Cert)
	for _, at := range []time.Time{now.Add(-2 * time.Hour), now.Add(LeafValidity + time.Minute)} {
		_, err := s.Server.Cert.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: roots, CurrentTime: at})
		assert.Error(t, err, "verifies at %v, outside its validity", at)
	}
	// A leaf never outlives its CA.
	late := now.Add(CAValidity - 24*time.Hour)
	leaf, err := s.CA.IssueServer(late, "localhost")
	require.NoError(t, err)
	assert.WithinDuration(t, s.CA.Cert.NotAfter, leaf.Cert.NotAfter, 0, "a leaf issued a day before the CA expires ends with the CA")
}

func TestFingerprint(t *testing.T) {
	s := newSet(t)
	fp := Fingerprint(s.CA.Cert)
	assert.Regexp(t, `^([0-9A-F]{2}:){31}[0-9A-F]{2}$`, fp, "not 32 colon-separated upper-case hex bytes")
	assert.NotEqual(t, fp, Fingerprint(s.Server.Cert), "two certificates share a fingerprint")
}

// TestWriteDir writes a set, checks the files' modes and contents, and
// serves a TLS handshake with them, the client trusting ca.pem alone.
func TestWriteDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	s := newSet(t)
	paths, err := s.WriteDir(dir, false)
	require.NoError(t, err)
	names := []string{CAFile, CAKeyFile, CertFile, KeyFile, ClientCertFile, ClientKeyFile}
	require.Len(t, paths, len(names))
	for i, name := range names {
		assert.Equal(t, filepath.Join(dir, name), paths[i], "path %d", i)
		fi, err := os.Stat(paths[i])
		require.NoError(t, err)
		want := fs.FileMode(0o644)
		if i%2 == 1 {
			want = 0o600
		}
		assert.Equal(t, want, fi.Mode().Perm(), "%s: mode", name)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, len(names), "temporary files left?")

	caPEM, err := os.ReadFile(filepath.Join(dir, CAFile))
	require.NoError(t, err)
	if block, rest := pem.Decode(caPEM); block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 {
		t.Errorf("ca.pem is not one PEM certificate:\n%s", caPEM)
	}
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(caPEM), "ca.pem holds no certificate")
	serverCert, err := tls.LoadX509KeyPair(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile))
	require.NoError(t, err)
	clientCert, err := tls.LoadX509KeyPair(filepath.Join(dir, ClientCertFile), filepath.Join(dir, ClientKeyFile))
	require.NoError(t, err)
	_, err = tls.LoadX509KeyPair(filepath.Join(dir, CAFile), filepath.Join(dir, CAKeyFile))
	assert.NoError(t, err, "ca.pem and ca-key.pem do not match")
	handshake(t, &tls.Config{
		Certificates: []tls.Certificate{serverCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    roots,
	}, &tls.Config{
		RootCAs:      roots,
		ServerName:   "localhost",
		Certificates: []tls.Certificate{clientCert},
	})
}

// handshake runs a TLS handshake over loopback TCP and fails the test if
// either side fails.
func handshake(t *testing.T, server, client *tls.Config) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", server)
	require.NoError(t, err)
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if err := c.(*tls.Conn).Handshake(); err != nil {
			served <- err
			return
		}
		_, err = io.WriteString(c, "ok")
		served <- err
	}()
	d := tls.Dialer{Config: client, NetDialer: &net.Dialer{Timeout: 10 * time.Second}}
	c, err := d.DialContext(t.Context(), "tcp", ln.Addr().String())
	require.NoError(t, err, "client handshake")
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	assert.NoError(t, err)
	assert.Equal(t, "ok", string(got))
	assert.NoError(t, <-served, "server handshake")
}

// TestWriteDirExisting checks that WriteDir overwrites nothing unless told
// to, and that overwriting replaces the files and tightens a key's mode.
func TestWriteDirExisting(t *testing.T) {
	dir := t.TempDir()
	keyPath := filepath.Join(dir, KeyFile)
	require.NoError(t, os.WriteFile(keyPath, []byte("old"), 0o644))
	s := newSet(t)
	_, err := s.WriteDir(dir, false)
	require.ErrorIs(t, err, ErrExist, "WriteDir over an existing key.pem")
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1, "WriteDir wrote files although it failed")
	_, err = s.WriteDir(dir, true)
	require.NoError(t, err)
	fi, err := os.Stat(keyPath)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), fi.Mode().Perm(), "overwritten key.pem's mode")
	data, _ := os.ReadFile(keyPath)
	assert.NotEqual(t, "old", string(data), "key.pem was not overwritten")
}

func TestWriteFileAtomicFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "file.pem")
	assert.Error(t, WriteFileAtomic(path, []byte("x"), 0o644), "WriteFileAtomic into a missing directory succeeded")
}
