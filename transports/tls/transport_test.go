package tlstransport_test

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"slices"
	"testing"

	tlstransport "github.com/ace-go/ace/transports/tls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTLSConfig(t *testing.T) {
	ca := newCA(t, "config CA")
	dir := t.TempDir()
	cert := ca.issue(t, serverLeaf)
	store, err := tlstransport.LoadCertStore(cert.write(t, dir, "server"))
	require.NoError(t, err)
	caFile := filepath.Join(dir, "ca.pem")
	writeFile(t, caFile, ca.pem)
	base := &tls.Config{Certificates: []tls.Certificate{cert.cert}}

	t.Run("no certificate", func(t *testing.T) {
		_, err := (tlstransport.Transport{}).TLSConfig()
		assert.ErrorIs(t, err, tlstransport.ErrNoCertificate, "zero Transport")
		_, err = (tlstransport.Transport{}).Listen(context.Background(), "127.0.0.1:0")
		assert.ErrorIs(t, err, tlstransport.ErrNoCertificate, "zero Transport's Listen")
	})
	t.Run("defaults", func(t *testing.T) {
		cfg, err := tlstransport.Transport{Config: base}.TLSConfig()
		require.NoError(t, err)
		if cfg.MinVersion != tls.VersionTLS12 || cfg.ClientAuth != tls.NoClientCert || cfg.NextProtos != nil {
			t.Errorf("MinVersion %#x, ClientAuth %v, NextProtos %q; want TLS 1.2, none, none", cfg.MinVersion, cfg.ClientAuth, cfg.NextProtos)
		}
		assert.NotSame(t, base, cfg, "TLSConfig returned Config itself, not a clone")
	})
	t.Run("fields apply over Config", func(t *testing.T) {
		in := base.Clone()
		in.MinVersion = tls.VersionTLS12
		in.NextProtos = []string{"old"}
		cfg, err := tlstransport.Transport{
			Config:     in,
			NextProtos: []string{"ace"},
			MinVersion: tls.VersionTLS13,
			ClientAuth: tls.VerifyClientCertIfGiven,
		}.TLSConfig()
		require.NoError(t, err)
		if cfg.MinVersion != tls.VersionTLS13 || !slices.Equal(cfg.NextProtos, []string{"ace"}) || cfg.ClientAuth != tls.VerifyClientCertIfGiven {
			t.Errorf("got MinVersion %#x, NextProtos %q, ClientAuth %v", cfg.MinVersion, cfg.NextProtos, cfg.ClientAuth)
		}
		assert.Equal(t, []string{"old"}, in.NextProtos, "TLSConfig modified Config")
	})
	t.Run("Config's own values kept", func(t *testing.T) {
		in := base.Clone()
		in.MinVersion = tls.VersionTLS13
		in.ClientAuth = tls.RequestClientCert
		cfg, err := tlstransport.Transport{Config: in}.TLSConfig()
		require.NoError(t, err)
		if cfg.MinVersion != tls.VersionTLS13 || cfg.ClientAuth != tls.RequestClientCert {
			t.Errorf("MinVersion %#x, ClientAuth %v; want Config's", cfg.MinVersion, cfg.ClientAuth)
		}
	})
	t.Run("client CA file", func(t *testing.T) {
		cfg, err := tlstransport.Transport{Config: base, ClientCAFile: caFile}.TLSConfig()
		require.NoError(t, err)
		if cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil {
			t.Errorf("with a client CA file: ClientAuth %v, ClientCAs %v; want require and verify, the CA", cfg.ClientAuth, cfg.ClientCAs)
		}
		cfg, err = tlstransport.Transport{Config: base, ClientCAFile: caFile, ClientAuth: tls.VerifyClientCertIfGiven}.TLSConfig()
		require.NoError(t, err)
		assert.Equal(t, tls.VerifyClientCertIfGiven, cfg.ClientAuth, "ClientAuth, with an explicit VerifyClientCertIfGiven")
	})
	t.Run("bad client CA file", func(t *testing.T) {
		_, err := (tlstransport.Transport{Config: base, ClientCAFile: filepath.Join(dir, "none.pem")}).TLSConfig()
		assert.ErrorIs(t, err, os.ErrNotExist, "missing CA file")
		junk := filepath.Join(dir, "junk.pem")
		writeFile(t, junk, []byte("no PEM here"))
		_, err = (tlstransport.Transport{Config: base, ClientCAFile: junk}).TLSConfig()
		assert.Error(t, err, "a CA file without certificates was accepted")
	})
	t.Run("Certs replace Config's certificates", func(t *testing.T) {
		cfg, err := tlstransport.Transport{Config: base, Certs: store}.TLSConfig()
		require.NoError(t, err)
		if len(cfg.Certificates) != 0 || cfg.GetCertificate == nil {
			t.Errorf("Certificates %d, GetCertificate set %v; want the store's GetCertificate only", len(cfg.Certificates), cfg.GetCertificate != nil)
		}
	})
	t.Run("inner transport error", func(t *testing.T) {
		_, err := tlstransport.Transport{Config: base}.Listen(context.Background(), "no port")
		assert.Error(t, err, "Listen on a bad address")
	})
}
