package tlstransport_test

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ace-go/ace/core"
	tlstransport "github.com/ace-go/ace/transports/tls"
)

// peerFingerprint is the fingerprint of the certificate the server showed c.
func peerFingerprint(c *tls.Conn) string {
	return tlstransport.FingerprintDER(c.ConnectionState().PeerCertificates[0].Raw)
}

// TestReload rewrites the certificate files, reloads, and checks that new
// clients get the new certificate while an open connection carries on; then
// that a failed reload keeps the certificate in service.
func TestReload(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "reload CA")
	dir := t.TempDir()
	first := ca.issue(t, serverLeaf)
	pair := first.write(t, dir, "server")
	store, err := tlstransport.LoadCertStore(pair)
	if err != nil {
		t.Fatal(err)
	}
	ep := serve(t, tlstransport.Transport{Certs: store}, "127.0.0.1:0", echoApp{}, core.Config{Acceptors: 2})

	old := mustDialTLS(t, ep.Addr(), clientConfig(ca))
	echoes(t, old, "before the reload")
	if got, want := peerFingerprint(old), tlstransport.Fingerprint(first.cert); got != want {
		t.Fatalf("the first client saw %s, want the first certificate %s", got, want)
	}

	second := ca.issue(t, serverLeaf)
	second.write(t, dir, "server")
	if err := store.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if got := store.Certificates(); len(got) != 1 || tlstransport.Fingerprint(got[0]) != tlstransport.Fingerprint(second.cert) {
		t.Errorf("after Reload the store holds %d certificates, not the second one", len(got))
	}
	fresh := mustDialTLS(t, ep.Addr(), clientConfig(ca))
	echoes(t, fresh, "after the reload")
	if got, want := peerFingerprint(fresh), tlstransport.Fingerprint(second.cert); got != want {
		t.Errorf("a client after the reload saw %s, want the second certificate %s", got, want)
	}
	// The connection opened before the reload is untouched.
	echoes(t, old, "the old connection carries on")
	if got, want := peerFingerprint(old), tlstransport.Fingerprint(first.cert); got != want {
		t.Errorf("the old connection's certificate changed to %s", got)
	}

	// A broken key file: Reload fails, naming it, and the second
	// certificate stays in service.
	writeFile(t, pair.KeyFile, []byte("not a key"))
	err = store.Reload()
	if err == nil || !strings.Contains(err.Error(), pair.KeyFile) {
		t.Fatalf("Reload with a broken key file returned %v, want an error naming %s", err, pair.KeyFile)
	}
	// A certificate whose key is another's: Reload fails too.
	third := ca.issue(t, serverLeaf)
	writeFile(t, pair.CertFile, third.certPEM)
	writeFile(t, pair.KeyFile, second.keyPEM)
	if err := store.Reload(); err == nil {
		t.Fatal("Reload with a certificate and a key that do not match succeeded")
	}
	after := mustDialTLS(t, ep.Addr(), clientConfig(ca))
	echoes(t, after, "after a failed reload")
	if got, want := peerFingerprint(after), tlstransport.Fingerprint(second.cert); got != want {
		t.Errorf("after a failed reload a client saw %s, want the second certificate %s still", got, want)
	}
}

// TestReloadAllOrNothing checks that a reload in which one pair of several
// fails changes none of them.
func TestReloadAllOrNothing(t *testing.T) {
	ca := newCA(t, "reload CA")
	dir := t.TempDir()
	a := ca.issue(t, leaf{name: "a", hosts: []string{"a.example"}})
	b := ca.issue(t, leaf{name: "b", hosts: []string{"b.example"}})
	pa, pb := a.write(t, dir, "a"), b.write(t, dir, "b")
	store, err := tlstransport.LoadCertStore(pa, pb)
	if err != nil {
		t.Fatal(err)
	}
	ca.issue(t, leaf{name: "a2", hosts: []string{"a.example"}}).write(t, dir, "a")
	if err := os.Remove(pb.CertFile); err != nil {
		t.Fatal(err)
	}
	err = store.Reload()
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Reload with a missing file returned %v, want an error wrapping os.ErrNotExist", err)
	}
	got := store.Certificates()
	if len(got) != 2 || tlstransport.Fingerprint(got[0]) != tlstransport.Fingerprint(a.cert) ||
		tlstransport.Fingerprint(got[1]) != tlstransport.Fingerprint(b.cert) {
		t.Errorf("a failed reload changed the certificates")
	}
}

func TestLoadCertStoreErrors(t *testing.T) {
	if _, err := tlstransport.LoadCertStore(); !errors.Is(err, tlstransport.ErrNoKeyPair) {
		t.Errorf("LoadCertStore() = %v, want ErrNoKeyPair", err)
	}
	missing := filepath.Join(t.TempDir(), "missing.pem")
	_, err := tlstransport.LoadCertStore(tlstransport.KeyPair{CertFile: missing, KeyFile: missing})
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("LoadCertStore of a missing file = %v, want an error naming it and wrapping os.ErrNotExist", err)
	}
}
