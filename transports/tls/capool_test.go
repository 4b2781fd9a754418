package tlstransport_test

import (
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	tlstransport "github.com/ace-go/ace/transports/tls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// offering returns a client configuration that trusts ca for the server and
// offers cert whatever CAs the server names (crypto/tls would otherwise send
// no certificate rather than one from a CA the server does not list).
func offering(ca *testCA, cert tls.Certificate) *tls.Config {
	cfg := clientConfig(ca)
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return &cert, nil
	}
	return cfg
}

// refused checks that the echo server at addr refuses a client with cfg.
// With TLS 1.3 the client's handshake may succeed and the refusal arrive as
// an alert on its first read; a client that was accepted reads its echo.
func refused(t *testing.T, addr net.Addr, cfg *tls.Config) {
	t.Helper()
	c, err := dialTLS(t, addr, cfg)
	if err != nil {
		return
	}
	require.NoError(t, c.SetDeadline(time.Now().Add(waitTimeout)))
	_, _ = io.WriteString(c, "x") // fails if the alert came first
	switch _, err := io.ReadFull(c, make([]byte, 1)); {
	case err == nil:
		t.Error("the server accepted the client certificate and echoed")
	case err == io.EOF:
		t.Error("the server closed the connection without an alert")
	case errors.Is(err, os.ErrDeadlineExceeded):
		t.Errorf("the server neither refused nor served the client within %v", waitTimeout)
	}
}

// verifiedBy checks that the next connection the app serves has a client
// certificate verified by a chain ending at ca.
func verifiedBy(t *testing.T, infos <-chan core.ConnInfo, ca *testCA) {
	t.Helper()
	chains := infoOf(t, infos).TLS.VerifiedChains
	if len(chains) == 0 || !chains[0][len(chains[0])-1].Equal(ca.cert) {
		t.Errorf("the client certificate was verified with %v, want a chain to %s", chains, ca.cert.Subject)
	}
}

// TestClientCAsReload serves mutual TLS with client CAs from a file,
// rewrites the file with another CA and reloads: new handshakes verify
// against the new CA only, while a connection already open carries on; a
// file that fails to load leaves the new CA in service.
func TestClientCAsReload(t *testing.T) {
	noLeaks(t)
	serverCA, ca1, ca2 := newCA(t, "server CA"), newCA(t, "client CA 1"), newCA(t, "client CA 2")
	client1 := ca1.issue(t, leaf{name: "one", client: true}).cert
	client2 := ca2.issue(t, leaf{name: "two", client: true}).cert
	caFile := filepath.Join(t.TempDir(), "client-ca.pem")
	writeFile(t, caFile, ca1.pem)
	cas, err := tlstransport.LoadClientCAs(caFile)
	require.NoError(t, err)
	assert.Equal(t, caFile, cas.File(), "File()")
	var logs logBuffer
	infos := make(chan core.ConnInfo, 8)
	tr := tlstransport.Transport{
		Config:    &tls.Config{Certificates: []tls.Certificate{serverCA.issue(t, serverLeaf).cert}},
		ClientCAs: cas,
	}
	ep := serve(t, tr, "127.0.0.1:0", echoApp{infos: infos}, core.Config{Acceptors: 2, Logger: logs.logger()})

	old := mustDialTLS(t, ep.Addr(), offering(serverCA, client1))
	echoes(t, old, "CA 1 in service")
	verifiedBy(t, infos, ca1)
	refused(t, ep.Addr(), offering(serverCA, client2))

	writeFile(t, caFile, ca2.pem)
	before := cas.Pool()
	require.NoError(t, cas.Reload(), "Reload")
	if got := cas.Certificates(); len(got) != 1 || !got[0].Equal(ca2.cert) || cas.Pool() == before {
		t.Fatalf("after Reload: %d certificates, a new pool %v; want CA 2 alone in a new pool", len(got), cas.Pool() != before)
	}
	refused(t, ep.Addr(), offering(serverCA, client1))
	want := []string{`msg="ace: handshake failed"`, "client certificate rejected", "unknown authority"}
	assert.Eventually(t, func() bool { _, ok := logs.line(want...); return ok }, waitTimeout, tick,
		"after the reload, no log line with %q for the client of CA 1:\n%s", want, &logs)
	echoes(t, mustDialTLS(t, ep.Addr(), offering(serverCA, client2)), "CA 2 in service")
	verifiedBy(t, infos, ca2)
	// The connection verified with CA 1 before the reload is untouched.
	echoes(t, old, "the old connection carries on")

	// Files that fail to load: Reload fails, naming the file, and CA 2
	// stays in service.
	broken := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")})
	for name, data := range map[string][]byte{
		"no PEM":             []byte("not a certificate\n"),
		"a broken CA":        append(slices.Clone(ca1.pem), broken...),
		"only a private key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("key")}),
	} {
		writeFile(t, caFile, data)
		assert.ErrorContains(t, cas.Reload(), caFile, "Reload of a file with %s", name)
	}
	require.NoError(t, os.Remove(caFile))
	err = cas.Reload()
	assert.ErrorIs(t, err, os.ErrNotExist, "Reload of a missing file")
	assert.ErrorContains(t, err, caFile, "Reload of a missing file")
	if got := cas.Certificates(); len(got) != 1 || !got[0].Equal(ca2.cert) {
		t.Errorf("failed reloads changed the CAs to %d certificates", len(got))
	}
	echoes(t, mustDialTLS(t, ep.Addr(), offering(serverCA, client2)), "CA 2 still in service")
	verifiedBy(t, infos, ca2)
	refused(t, ep.Addr(), offering(serverCA, client1))
}

// TestClientCAsSessions checks session resumption across reloads: the
// configurations made for each pool share the session ticket keys, so a
// client resumes after a reload that keeps its CA; after one that drops its
// CA, it cannot resume its way past the new pool.
func TestClientCAsSessions(t *testing.T) {
	noLeaks(t)
	serverCA, ca1, ca2 := newCA(t, "server CA"), newCA(t, "client CA 1"), newCA(t, "client CA 2")
	caFile := filepath.Join(t.TempDir(), "client-ca.pem")
	writeFile(t, caFile, ca1.pem)
	cas, err := tlstransport.LoadClientCAs(caFile)
	require.NoError(t, err)
	tr := tlstransport.Transport{
		Config:    &tls.Config{Certificates: []tls.Certificate{serverCA.issue(t, serverLeaf).cert}},
		ClientCAs: cas,
	}
	ep := serve(t, tr, "127.0.0.1:0", echoApp{}, core.Config{Acceptors: 2})
	cfg := offering(serverCA, ca1.issue(t, leaf{name: "one", client: true}).cert)
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	// dial connects and echoes, so that the client has read the session
	// ticket the server sends after the handshake, and reports whether it
	// resumed a session.
	dial := func(msg string) bool {
		t.Helper()
		c := mustDialTLS(t, ep.Addr(), cfg)
		echoes(t, c, msg)
		return c.ConnectionState().DidResume
	}

	require.False(t, dial("first"), "the first connection resumed a session")
	require.True(t, dial("second"), "the second connection did not resume the first's session")
	// The same CA in a new pool: a new configuration, the same keys.
	require.NoError(t, cas.Reload())
	assert.True(t, dial("after a reload that keeps CA 1"), "after a reload that keeps its CA, the client did not resume its session")
	writeFile(t, caFile, ca2.pem)
	require.NoError(t, cas.Reload())
	refused(t, ep.Addr(), cfg)
}

// TestTLSConfigClientCAs checks the configuration TLSConfig makes with
// ClientCAs: one configuration per pool, not per handshake, with the
// transport's fields, and the conflicts it refuses.
func TestTLSConfigClientCAs(t *testing.T) {
	ca1, ca2 := newCA(t, "client CA 1"), newCA(t, "client CA 2")
	dir := t.TempDir()
	caFile := filepath.Join(dir, "client-ca.pem")
	writeFile(t, caFile, ca1.pem)
	cas, err := tlstransport.LoadClientCAs(caFile)
	require.NoError(t, err)
	base := &tls.Config{Certificates: []tls.Certificate{ca1.issue(t, serverLeaf).cert}}
	cfg, err := tlstransport.Transport{Config: base, ClientCAs: cas, NextProtos: []string{"ace"}}.TLSConfig()
	require.NoError(t, err)
	if cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs != cas.Pool() || cfg.GetConfigForClient == nil {
		t.Fatalf("ClientAuth %v, ClientCAs the pool %v, GetConfigForClient set %v; want require and verify, the pool, set",
			cfg.ClientAuth, cfg.ClientCAs == cas.Pool(), cfg.GetConfigForClient != nil)
	}
	get := func() *tls.Config {
		t.Helper()
		c, err := cfg.GetConfigForClient(&tls.ClientHelloInfo{})
		require.NoError(t, err, "GetConfigForClient")
		require.NotNil(t, c, "GetConfigForClient")
		return c
	}
	first := get()
	if first.ClientCAs != cas.Pool() || first.ClientAuth != tls.RequireAndVerifyClientCert ||
		first.MinVersion != tls.VersionTLS12 || !slices.Equal(first.NextProtos, []string{"ace"}) ||
		len(first.Certificates) != 1 || first.GetConfigForClient != nil {
		t.Errorf("the handshake's config: ClientCAs the pool %v, ClientAuth %v, MinVersion %#x, NextProtos %q, %d certificates, GetConfigForClient set %v",
			first.ClientCAs == cas.Pool(), first.ClientAuth, first.MinVersion, first.NextProtos, len(first.Certificates), first.GetConfigForClient != nil)
	}
	assert.Same(t, first, get(), "a second handshake got another config, though the pool did not change")
	writeFile(t, caFile, ca2.pem)
	require.NoError(t, cas.Reload())
	second := get()
	if second == first || second.ClientCAs != cas.Pool() || first.ClientCAs == cas.Pool() {
		t.Error("after a reload, handshakes do not get a new config with the new pool, or the old config changed")
	}
	writeFile(t, caFile, []byte("junk"))
	require.Error(t, cas.Reload(), "Reload of junk")
	assert.Same(t, second, get(), "a failed reload changed the handshakes' config")

	// Handshakes and reloads at once: run with -race.
	writeFile(t, caFile, ca1.pem)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				if c, _ := cfg.GetConfigForClient(&tls.ClientHelloInfo{}); c == nil || c.ClientCAs == nil {
					t.Error("GetConfigForClient returned no pool")
					return
				}
			}
		})
	}
	for range 20 {
		assert.NoError(t, cas.Reload())
	}
	wg.Wait()

	explicit, err := tlstransport.Transport{Config: base, ClientCAs: cas, ClientAuth: tls.VerifyClientCertIfGiven}.TLSConfig()
	require.NoError(t, err)
	if c, _ := explicit.GetConfigForClient(&tls.ClientHelloInfo{}); explicit.ClientAuth != tls.VerifyClientCertIfGiven || c.ClientAuth != tls.VerifyClientCertIfGiven {
		t.Errorf("ClientAuth %v, the handshake's %v; want the explicit VerifyClientCertIfGiven", explicit.ClientAuth, c.ClientAuth)
	}

	for name, tr := range map[string]tlstransport.Transport{
		"ClientCAFile too": {Config: base, ClientCAs: cas, ClientCAFile: caFile},
		"Config's GetConfigForClient": {ClientCAs: cas, Config: &tls.Config{
			GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return nil, nil },
		}},
	} {
		_, err := tr.TLSConfig()
		assert.ErrorIs(t, err, tlstransport.ErrClientCAsConflict, "ClientCAs with %s", name)
	}
}

func TestLoadClientCAsErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	_, err := tlstransport.LoadClientCAs(missing)
	assert.ErrorIs(t, err, os.ErrNotExist, "LoadClientCAs of a missing file")
	assert.ErrorContains(t, err, missing, "LoadClientCAs of a missing file")
	junk := filepath.Join(dir, "junk.pem")
	writeFile(t, junk, []byte("no PEM here"))
	_, err = tlstransport.LoadClientCAs(junk)
	assert.ErrorContains(t, err, junk, "LoadClientCAs of a file without certificates")
	// Blocks of other types are skipped, as x509.CertPool.AppendCertsFromPEM
	// skips them.
	ca1, ca2 := newCA(t, "client CA 1"), newCA(t, "client CA 2")
	mixed := filepath.Join(dir, "mixed.pem")
	writeFile(t, mixed, slices.Concat(ca1.pem, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("key")}), ca2.pem))
	cas, err := tlstransport.LoadClientCAs(mixed)
	require.NoError(t, err)
	if got := cas.Certificates(); len(got) != 2 || !got[0].Equal(ca1.cert) || !got[1].Equal(ca2.cert) {
		t.Errorf("LoadClientCAs of two CAs and a key: %d certificates, want the two CAs in order", len(got))
	}
}
