package tlstransport_test

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"

	"github.com/ace-go/ace/core"
	tlstransport "github.com/ace-go/ace/transports/tls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, err)
	ep := serve(t, tlstransport.Transport{Certs: store}, "127.0.0.1:0", echoApp{}, core.Config{Acceptors: 2})

	old := mustDialTLS(t, ep.Addr(), clientConfig(ca))
	echoes(t, old, "before the reload")
	require.Equal(t, tlstransport.Fingerprint(first.cert), peerFingerprint(old), "the first client saw the first certificate")

	second := ca.issue(t, serverLeaf)
	second.write(t, dir, "server")
	require.NoError(t, store.Reload(), "Reload")
	if got := store.Certificates(); len(got) != 1 || tlstransport.Fingerprint(got[0]) != tlstransport.Fingerprint(second.cert) {
		t.Errorf("after Reload the store holds %d certificates, not the second one", len(got))
	}
	fresh := mustDialTLS(t, ep.Addr(), clientConfig(ca))
	echoes(t, fresh, "after the reload")
	assert.Equal(t, tlstransport.Fingerprint(second.cert), peerFingerprint(fresh), "a client after the reload saw the second certificate")
	// The connection opened before the reload is untouched.
	echoes(t, old, "the old connection carries on")
	assert.Equal(t, tlstransport.Fingerprint(first.cert), peerFingerprint(old), "the old connection's certificate changed")

	// A broken key file: Reload fails, naming it, and the second
	// certificate stays in service.
	writeFile(t, pair.KeyFile, []byte("not a key"))
	require.ErrorContains(t, store.Reload(), pair.KeyFile, "Reload with a broken key file")
	// A certificate whose key is another's: Reload fails too.
	third := ca.issue(t, serverLeaf)
	writeFile(t, pair.CertFile, third.certPEM)
	writeFile(t, pair.KeyFile, second.keyPEM)
	require.Error(t, store.Reload(), "Reload with a certificate and a key that do not match")
	after := mustDialTLS(t, ep.Addr(), clientConfig(ca))
	echoes(t, after, "after a failed reload")
	assert.Equal(t, tlstransport.Fingerprint(second.cert), peerFingerprint(after), "after a failed reload a client saw the second certificate still")
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
	require.NoError(t, err)
	ca.issue(t, leaf{name: "a2", hosts: []string{"a.example"}}).write(t, dir, "a")
	require.NoError(t, os.Remove(pb.CertFile))
	require.ErrorIs(t, store.Reload(), os.ErrNotExist, "Reload with a missing file")
	got := store.Certificates()
	if len(got) != 2 || tlstransport.Fingerprint(got[0]) != tlstransport.Fingerprint(a.cert) ||
		tlstransport.Fingerprint(got[1]) != tlstransport.Fingerprint(b.cert) {
		t.Errorf("a failed reload changed the certificates")
	}
}

func TestLoadCertStoreErrors(t *testing.T) {
	_, err := tlstransport.LoadCertStore()
	assert.ErrorIs(t, err, tlstransport.ErrNoKeyPair, "LoadCertStore()")
	missing := filepath.Join(t.TempDir(), "missing.pem")
	_, err = tlstransport.LoadCertStore(tlstransport.KeyPair{CertFile: missing, KeyFile: missing})
	assert.ErrorIs(t, err, os.ErrNotExist, "LoadCertStore of a missing file")
	assert.ErrorContains(t, err, missing, "LoadCertStore of a missing file")
}
