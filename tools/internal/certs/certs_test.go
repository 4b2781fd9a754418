package certs

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

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
	if err != nil {
		t.Fatal(err)
	}
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
		if err != nil {
			t.Errorf("verify for %s: %v", name, err)
			continue
		}
		if len(chains) != 1 || len(chains[0]) != 2 || !chains[0][1].Equal(s.CA.Cert) {
			t.Errorf("verify for %s: chains %v, want leaf then CA", name, chains)
		}
	}
	for _, name := range []string{"example.com", "127.0.0.2", "::2", "localhost.localdomain"} {
		if _, err := s.Server.Cert.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: now}); err == nil {
			t.Errorf("verifies for %s, which it was not issued for", name)
		}
	}
	// Not a client certificate.
	if _, err := s.Server.Cert.Verify(x509.VerifyOptions{
		Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}); err == nil {
		t.Error("the server certificate verifies for client authentication")
	}
	// Only the CA it was issued by vouches for it.
	other := newSet(t)
	if _, err := s.Server.Cert.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: pool(other.CA.Cert), CurrentTime: now}); err == nil {
		t.Error("verifies with another CA")
	}
}

func TestCustomHosts(t *testing.T) {
	s := newSet(t, "dev.test", "10.0.0.7")
	if !slices.Equal(s.Server.Cert.DNSNames, []string{"dev.test"}) {
		t.Errorf("DNS names %v, want [dev.test]", s.Server.Cert.DNSNames)
	}
	if len(s.Server.Cert.IPAddresses) != 1 || !s.Server.Cert.IPAddresses[0].Equal(net.ParseIP("10.0.0.7")) {
		t.Errorf("IP addresses %v, want [10.0.0.7]", s.Server.Cert.IPAddresses)
	}
	if s.Server.Cert.Subject.CommonName != "dev.test" {
		t.Errorf("common name %q, want the first host", s.Server.Cert.Subject.CommonName)
	}
	ca, err := NewCA(now)
	if err != nil {
		t.Fatal(err)
	}
	for _, hosts := range [][]string{nil, {"localhost", ""}} {
		if _, err := ca.IssueServer(now, hosts...); !errors.Is(err, ErrNoHosts) {
			t.Errorf("IssueServer(%q) = %v, want ErrNoHosts", hosts, err)
		}
	}
}

func TestClientVerifies(t *testing.T) {
	s := newSet(t)
	roots := pool(s.CA.Cert)
	if _, err := s.Client.Cert.Verify(x509.VerifyOptions{
		Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if _, err := s.Client.Cert.Verify(x509.VerifyOptions{
		Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}); err == nil {
		t.Error("the client certificate verifies for server authentication")
	}
	if s.Client.Cert.Subject.CommonName != ClientName {
		t.Errorf("client common name %q, want %q", s.Client.Cert.Subject.CommonName, ClientName)
	}
}

// TestKeyUsage checks what each certificate may be used for.
func TestKeyUsage(t *testing.T) {
	s := newSet(t)
	ca := s.CA.Cert
	if !ca.IsCA || !ca.BasicConstraintsValid || ca.MaxPathLen != 0 || !ca.MaxPathLenZero {
		t.Errorf("CA constraints: IsCA %v, valid %v, MaxPathLen %d, zero %v; want a CA that signs leaves only",
			ca.IsCA, ca.BasicConstraintsValid, ca.MaxPathLen, ca.MaxPathLenZero)
	}
	if ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA key usage %b lacks cert sign", ca.KeyUsage)
	}
	if !bytes.Equal(ca.RawSubject, ca.RawIssuer) || ca.CheckSignatureFrom(ca) != nil {
		t.Error("the CA certificate is not self-signed")
	}
	if len(ca.SubjectKeyId) == 0 {
		t.Error("the CA has no subject key identifier")
	}
	for name, leaf := range map[string]*x509.Certificate{"server": s.Server.Cert, "client": s.Client.Cert} {
		if leaf.IsCA || !leaf.BasicConstraintsValid {
			t.Errorf("%s: IsCA %v, basic constraints valid %v; want an end entity", name, leaf.IsCA, leaf.BasicConstraintsValid)
		}
		if leaf.KeyUsage != x509.KeyUsageDigitalSignature {
			t.Errorf("%s: key usage %b, want digital signature only", name, leaf.KeyUsage)
		}
		if len(leaf.ExtKeyUsage) != 1 {
			t.Errorf("%s: extended key usages %v, want one", name, leaf.ExtKeyUsage)
		}
		if !bytes.Equal(leaf.AuthorityKeyId, ca.SubjectKeyId) {
			t.Errorf("%s: authority key id %x, want the CA's %x", name, leaf.AuthorityKeyId, ca.SubjectKeyId)
		}
		if !bytes.Equal(leaf.RawIssuer, ca.RawSubject) {
			t.Errorf("%s: issuer %v, want the CA", name, leaf.Issuer)
		}
	}
	if s.Server.Cert.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("server: extended key usage %v", s.Server.Cert.ExtKeyUsage)
	}
	if s.Client.Cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Errorf("client: extended key usage %v", s.Client.Cert.ExtKeyUsage)
	}
	if s.Server.Cert.SerialNumber.Cmp(s.Client.Cert.SerialNumber) == 0 || s.Server.Cert.SerialNumber.Sign() <= 0 {
		t.Error("serial numbers are not distinct and positive")
	}
}

// TestPathLenZero checks that the CA vouches for its own leaves only: a
// certificate issued by an intermediate CA it signed does not verify, nor
// does one issued with a leaf's key.
func TestPathLenZero(t *testing.T) {
	s := newSet(t)
	key, err := newKey()
	if err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	for name, issuer := range map[string]*CA{
		"intermediate": {Cert: inter, Key: key},
		"leaf":         {Cert: s.Server.Cert, Key: s.Server.Key},
	} {
		leaf, err := issuer.IssueServer(now, "localhost")
		if err != nil {
			t.Fatal(err)
		}
		_, err = leaf.Cert.Verify(x509.VerifyOptions{
			DNSName: "localhost", Roots: pool(s.CA.Cert), Intermediates: pool(issuer.Cert), CurrentTime: now,
		})
		if err == nil {
			t.Errorf("a certificate issued by the %s verifies", name)
		}
	}
}

// TestValidity checks the validity periods, and that verification fails
// outside them.
func TestValidity(t *testing.T) {
	s := newSet(t)
	if got, want := s.CA.Cert.NotBefore, now.Add(-time.Hour); !got.Equal(want) {
		t.Errorf("CA not before %v, want %v", got, want)
	}
	if got, want := s.CA.Cert.NotAfter, now.Add(CAValidity); !got.Equal(want) {
		t.Errorf("CA not after %v, want %v", got, want)
	}
	for name, leaf := range map[string]*x509.Certificate{"server": s.Server.Cert, "client": s.Client.Cert} {
		if got, want := leaf.NotBefore, now.Add(-time.Hour); !got.Equal(want) {
			t.Errorf("%s: not before %v, want %v", name, got, want)
		}
		if got, want := leaf.NotAfter, now.Add(LeafValidity); !got.Equal(want) {
			t.Errorf("%s: not after %v, want %v", name, got, want)
		}
	}
	if LeafValidity > 825*24*time.Hour {
		t.Errorf("leaf validity %v exceeds the 825 days Apple platforms accept", LeafValidity)
	}
	roots := pool(s.CA.Cert)
	for _, at := range []time.Time{now.Add(-2 * time.Hour), now.Add(LeafValidity + time.Minute)} {
		if _, err := s.Server.Cert.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: roots, CurrentTime: at}); err == nil {
			t.Errorf("verifies at %v, outside its validity", at)
		}
	}
	// A leaf never outlives its CA.
	late := now.Add(CAValidity - 24*time.Hour)
	leaf, err := s.CA.IssueServer(late, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	if !leaf.Cert.NotAfter.Equal(s.CA.Cert.NotAfter) {
		t.Errorf("leaf issued a day before the CA expires ends %v, want the CA's %v", leaf.Cert.NotAfter, s.CA.Cert.NotAfter)
	}
}

func TestFingerprint(t *testing.T) {
	s := newSet(t)
	fp := Fingerprint(s.CA.Cert)
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(fp) {
		t.Errorf("fingerprint %q is not 32 colon-separated upper-case hex bytes", fp)
	}
	if fp == Fingerprint(s.Server.Cert) {
		t.Error("two certificates share a fingerprint")
	}
}

// TestWriteDir writes a set, checks the files' modes and contents, and
// serves a TLS handshake with them, the client trusting ca.pem alone.
func TestWriteDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	s := newSet(t)
	paths, err := s.WriteDir(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{CAFile, CAKeyFile, CertFile, KeyFile, ClientCertFile, ClientKeyFile}
	if len(paths) != len(names) {
		t.Fatalf("wrote %v, want %d files", paths, len(names))
	}
	for i, name := range names {
		if paths[i] != filepath.Join(dir, name) {
			t.Errorf("path %d is %s, want %s", i, paths[i], name)
		}
		fi, err := os.Stat(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		want := fs.FileMode(0o644)
		if i%2 == 1 {
			want = 0o600
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode().Perm(), want)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(names) {
		t.Errorf("the directory holds %d entries, want %d (temporary files left?)", len(entries), len(names))
	}

	caPEM, err := os.ReadFile(filepath.Join(dir, CAFile))
	if err != nil {
		t.Fatal(err)
	}
	if block, rest := pem.Decode(caPEM); block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 {
		t.Errorf("ca.pem is not one PEM certificate:\n%s", caPEM)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.pem holds no certificate")
	}
	serverCert, err := tls.LoadX509KeyPair(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	clientCert, err := tls.LoadX509KeyPair(filepath.Join(dir, ClientCertFile), filepath.Join(dir, ClientKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.LoadX509KeyPair(filepath.Join(dir, CAFile), filepath.Join(dir, CAKeyFile)); err != nil {
		t.Errorf("ca.pem and ca-key.pem do not match: %v", err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "ok" {
		t.Errorf("read %q, %v; want ok", got, err)
	}
	if err := <-served; err != nil {
		t.Errorf("server handshake: %v", err)
	}
}

// TestWriteDirExisting checks that WriteDir overwrites nothing unless told
// to, and that overwriting replaces the files and tightens a key's mode.
func TestWriteDirExisting(t *testing.T) {
	dir := t.TempDir()
	keyPath := filepath.Join(dir, KeyFile)
	if err := os.WriteFile(keyPath, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newSet(t)
	if _, err := s.WriteDir(dir, false); !errors.Is(err, ErrExist) {
		t.Fatalf("WriteDir over an existing key.pem = %v, want ErrExist", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("WriteDir wrote %d files although it failed", len(entries)-1)
	}
	if _, err := s.WriteDir(dir, true); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("overwritten key.pem has mode %v, want 0600", fi.Mode().Perm())
	}
	if data, _ := os.ReadFile(keyPath); bytes.Equal(data, []byte("old")) {
		t.Error("key.pem was not overwritten")
	}
}

func TestWriteFileAtomicFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "file.pem")
	if err := WriteFileAtomic(path, []byte("x"), 0o644); err == nil {
		t.Error("WriteFileAtomic into a missing directory succeeded")
	}
}
