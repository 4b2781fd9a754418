package tlstransport_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	tlstransport "github.com/ace-go/ace/transports/tls"
)

func TestSelfSigned(t *testing.T) {
	cert, err := tlstransport.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if leaf == nil {
		t.Fatal("Leaf is not set")
	}
	key, ok := cert.PrivateKey.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		t.Errorf("private key is a %T, want an ECDSA P-256 key", cert.PrivateKey)
	}
	if !key.PublicKey.Equal(leaf.PublicKey) {
		t.Error("the private key does not match the certificate")
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: pool}); err != nil {
			t.Errorf("not valid for %s: %v", host, err)
		}
	}
	if err := leaf.VerifyHostname("example.com"); err == nil {
		t.Error("valid for example.com, a host it was not made for")
	}
	if now := time.Now(); now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		t.Errorf("not valid now: %v to %v", leaf.NotBefore, leaf.NotAfter)
	}

	other, err := tlstransport.SelfSigned("ace.test", "10.1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if got := other.Leaf; len(got.DNSNames) != 1 || got.DNSNames[0] != "ace.test" ||
		len(got.IPAddresses) != 1 || got.IPAddresses[0].String() != "10.1.2.3" {
		t.Errorf("SelfSigned(ace.test, 10.1.2.3): DNS names %q, IP addresses %v", got.DNSNames, got.IPAddresses)
	}
	if tlstransport.Fingerprint(cert) == tlstransport.Fingerprint(other) {
		t.Error("two self-signed certificates share a fingerprint")
	}
}

// needTool returns the path of the program name. When it is not installed,
// it skips the test, or fails it when ACE_REQUIRE_TOOLS=1, as under CI,
// where .ci/run installs openssl.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("ACE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is not installed, and ACE_REQUIRE_TOOLS=1: %v", name, err)
		}
		t.Skipf("%s is not installed: %v", name, err)
	}
	return path
}

func TestFingerprint(t *testing.T) {
	cert, err := tlstransport.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	fp := tlstransport.Fingerprint(cert)
	if !regexp.MustCompile(`^[0-9A-F]{2}(:[0-9A-F]{2}){31}$`).MatchString(fp) {
		t.Fatalf("Fingerprint = %q, want 32 upper-case hex bytes separated by colons", fp)
	}
	sum := sha256.Sum256(cert.Certificate[0])
	if want := strings.ReplaceAll(fp, ":", ""); fmt.Sprintf("%X", sum) != want {
		t.Errorf("Fingerprint = %s, want the SHA-256 of the DER certificate %X", fp, sum)
	}
	if got := tlstransport.Fingerprint(tls.Certificate{}); got != "" {
		t.Errorf("Fingerprint of an empty certificate = %q, want \"\"", got)
	}

	// The same as OpenSSL's.
	openssl := needTool(t, "openssl")
	file := filepath.Join(t.TempDir(), "cert.pem")
	writeFile(t, file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}))
	out, err := exec.Command(openssl, "x509", "-in", file, "-noout", "-fingerprint", "-sha256").Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	// "sha256 Fingerprint=AB:CD:..." (the prefix's case varies by version)
	_, got, _ := bytes.Cut(bytes.TrimSpace(out), []byte("="))
	if string(got) != fp {
		t.Errorf("openssl says %s, Fingerprint %s", got, fp)
	}
}

// TestSelfSignedPinned serves with an in-memory self-signed certificate, as
// the ace command does with no certificate flags, and has a client trust it
// by its fingerprint alone.
func TestSelfSignedPinned(t *testing.T) {
	noLeaks(t)
	cert, err := tlstransport.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	tr := tlstransport.Transport{Config: &tls.Config{Certificates: []tls.Certificate{cert}}}
	ep := serve(t, tr, "127.0.0.1:0", echoApp{}, core.Config{Acceptors: 1})
	pin := func(want string) *tls.Config {
		return &tls.Config{
			InsecureSkipVerify: true, // verified by VerifyConnection instead
			VerifyConnection: func(cs tls.ConnectionState) error {
				if got := tlstransport.FingerprintDER(cs.PeerCertificates[0].Raw); got != want {
					return fmt.Errorf("fingerprint %s, want %s", got, want)
				}
				return nil
			},
		}
	}
	echoes(t, mustDialTLS(t, ep.Addr(), pin(tlstransport.Fingerprint(cert))), "pinned")

	other, err := tlstransport.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dialTLS(t, ep.Addr(), pin(tlstransport.Fingerprint(other))); err == nil {
		t.Error("a client pinning another certificate was served")
	} else if !strings.Contains(err.Error(), "fingerprint") {
		t.Errorf("unexpected error: %v", err)
	}
	var ue x509.UnknownAuthorityError
	if _, err := dialTLS(t, ep.Addr(), &tls.Config{ServerName: "localhost"}); !errors.As(err, &ue) {
		t.Errorf("a client trusting only the system roots: %v, want an unknown authority error", err)
	}
}
