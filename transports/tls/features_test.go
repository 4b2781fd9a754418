package tlstransport_test

import (
	"crypto/tls"
	"crypto/x509"
	"path/filepath"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	tlstransport "github.com/ace-go/ace/transports/tls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// infoOf waits for the info of the next connection the app serves.
func infoOf(t *testing.T, infos <-chan core.ConnInfo) core.ConnInfo {
	t.Helper()
	select {
	case info := <-infos:
		return info
	case <-time.After(waitTimeout):
		t.Fatal("the app never saw the connection")
		return core.ConnInfo{}
	}
}

func TestALPN(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "ALPN CA")
	tr := tlstransport.Transport{
		Config:     &tls.Config{Certificates: []tls.Certificate{ca.issue(t, serverLeaf).cert}},
		NextProtos: []string{"ace-echo", "http/1.1"},
	}
	infos := make(chan core.ConnInfo, 4)
	var logs logBuffer
	ep := serve(t, tr, "127.0.0.1:0", echoApp{infos: infos}, core.Config{Acceptors: 2, Logger: logs.logger()})

	for _, tc := range []struct {
		offer []string
		want  string
	}{
		{[]string{"http/1.1"}, "http/1.1"},
		{[]string{"http/1.1", "ace-echo"}, "ace-echo"}, // the server's preference wins
		{nil, ""}, // no ALPN at all is served without it
	} {
		cfg := clientConfig(ca)
		cfg.NextProtos = tc.offer
		c := mustDialTLS(t, ep.Addr(), cfg)
		echoes(t, c, "alpn")
		assert.Equal(t, tc.want, c.ConnectionState().NegotiatedProtocol, "offering %q, the client negotiated", tc.offer)
		assert.Equal(t, tc.want, infoOf(t, infos).TLS.NegotiatedProtocol, "offering %q, Info().TLS.NegotiatedProtocol", tc.offer)
	}

	// A client that offers only protocols the server does not speak is
	// refused.
	cfg := clientConfig(ca)
	cfg.NextProtos = []string{"h2"}
	if c, err := dialTLS(t, ep.Addr(), cfg); err == nil {
		t.Errorf("a client offering only h2 was served, negotiated %q", c.ConnectionState().NegotiatedProtocol)
	}
	assert.Eventually(t, func() bool { _, ok := logs.line("level=DEBUG", "handshake failed", "application protocol"); return ok },
		waitTimeout, tick, "no debug log of the ALPN failure; logs:\n%s", &logs)
}

func TestSNI(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "SNI CA")
	dir := t.TempDir()
	a := ca.issue(t, leaf{name: "a", hosts: []string{"a.example", "127.0.0.1"}})
	b := ca.issue(t, leaf{name: "b", hosts: []string{"b.example", "*.b.example"}})
	store, err := tlstransport.LoadCertStore(a.write(t, dir, "a"), b.write(t, dir, "b"))
	require.NoError(t, err)
	infos := make(chan core.ConnInfo, 4)
	ep := serve(t, tlstransport.Transport{Certs: store}, "127.0.0.1:0", echoApp{infos: infos}, core.Config{Acceptors: 2})

	for _, tc := range []struct {
		serverName string
		want       *issued
	}{
		{"a.example", &a},
		{"b.example", &b},
		{"www.b.example", &b}, // wildcard
		{"", &a},              // no SNI: the first pair is the default
		{"c.example", &a},     // unknown name: the default, which the client rejects
	} {
		cfg := &tls.Config{RootCAs: ca.pool, ServerName: tc.serverName}
		if tc.serverName == "" || tc.serverName == "c.example" {
			// Check the chain but not the name, to see which
			// certificate the server chose.
			cfg.InsecureSkipVerify = true
			cfg.VerifyConnection = func(cs tls.ConnectionState) error {
				_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: ca.pool})
				return err
			}
		}
		c := mustDialTLS(t, ep.Addr(), cfg)
		echoes(t, c, "sni")
		if got, want := tlstransport.FingerprintDER(c.ConnectionState().PeerCertificates[0].Raw), tlstransport.Fingerprint(tc.want.cert); got != want {
			t.Errorf("server name %q: the server presented %q, want %q's certificate",
				tc.serverName, c.ConnectionState().PeerCertificates[0].Subject.CommonName, tc.want.cert.Leaf.Subject.CommonName)
		}
		assert.Equal(t, tc.serverName, infoOf(t, infos).TLS.ServerName, "Info().TLS.ServerName")
	}
}

func TestMutualTLS(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "mTLS CA")
	dir := t.TempDir()
	caFile := filepath.Join(dir, "client-ca.pem")
	writeFile(t, caFile, ca.pem)
	client := ca.issue(t, leaf{name: "alice", client: true})
	infos := make(chan core.ConnInfo, 4)

	for _, tc := range []struct {
		name     string
		auth     tls.ClientAuthType
		withCert bool
		wantPeer string
	}{
		{"require", tls.RequireAndVerifyClientCert, true, "alice"},
		{"require by default with a CA file", tls.NoClientCert, true, "alice"},
		{"request, client has a certificate", tls.VerifyClientCertIfGiven, true, "alice"},
		{"request, client has none", tls.VerifyClientCertIfGiven, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := tlstransport.Transport{
				Config:       &tls.Config{Certificates: []tls.Certificate{ca.issue(t, serverLeaf).cert}},
				ClientAuth:   tc.auth,
				ClientCAFile: caFile,
			}
			ep := serve(t, tr, "127.0.0.1:0", echoApp{infos: infos}, core.Config{Acceptors: 1})
			cfg := clientConfig(ca)
			if tc.withCert {
				cfg.Certificates = []tls.Certificate{client.cert}
			}
			echoes(t, mustDialTLS(t, ep.Addr(), cfg), "mutual")
			state := infoOf(t, infos).TLS
			if tc.wantPeer == "" {
				assert.Empty(t, state.PeerCertificates, "PeerCertificates")
				return
			}
			if len(state.PeerCertificates) == 0 || state.PeerCertificates[0].Subject.CommonName != tc.wantPeer {
				t.Fatalf("Info().TLS.PeerCertificates = %v, want %q's", state.PeerCertificates, tc.wantPeer)
			}
			if len(state.VerifiedChains) == 0 || !state.VerifiedChains[0][len(state.VerifiedChains[0])-1].Equal(ca.cert) {
				t.Errorf("Info().TLS.VerifiedChains = %v, want a chain to the client CA", state.VerifiedChains)
			}
		})
	}
}

func TestMinVersion(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "version CA")
	cert := ca.issue(t, serverLeaf).cert
	for _, tc := range []struct {
		name       string
		min        uint16 // Transport.MinVersion
		clientMax  uint16
		wantServed bool
	}{
		{"TLS 1.1 client refused by default", 0, tls.VersionTLS11, false},
		{"TLS 1.2 client served by default", 0, tls.VersionTLS12, true},
		{"TLS 1.2 client refused at minimum 1.3", tls.VersionTLS13, tls.VersionTLS12, false},
		{"TLS 1.3 client served at minimum 1.3", tls.VersionTLS13, tls.VersionTLS13, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			infos := make(chan core.ConnInfo, 1)
			var logs logBuffer
			tr := tlstransport.Transport{Config: &tls.Config{Certificates: []tls.Certificate{cert}}, MinVersion: tc.min}
			ep := serve(t, tr, "127.0.0.1:0", echoApp{infos: infos}, core.Config{Acceptors: 1, Logger: logs.logger()})
			cfg := clientConfig(ca)
			cfg.MinVersion = tls.VersionTLS10
			cfg.MaxVersion = tc.clientMax
			c, err := dialTLS(t, ep.Addr(), cfg)
			if !tc.wantServed {
				require.Error(t, err, "a client of at most %s was served", tls.VersionName(tc.clientMax))
				assert.ErrorContains(t, err, "protocol version", "the client's error")
				assert.Eventually(t, func() bool { _, ok := logs.line("level=DEBUG", "handshake failed", "unsupported versions"); return ok },
					waitTimeout, tick, "no debug log of the version mismatch; logs:\n%s", &logs)
				return
			}
			require.NoError(t, err)
			echoes(t, c, "version")
			if got := infoOf(t, infos); got.TLS.Version != tc.clientMax || got.Version != tls.VersionName(tc.clientMax) {
				t.Errorf("Info() version %q (%#x), want %s", got.Version, got.TLS.Version, tls.VersionName(tc.clientMax))
			}
		})
	}
}
