package tlstransport_test

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	tlstransport "github.com/ace-go/ace/transports/tls"
)

func TestTLSConfig(t *testing.T) {
	ca := newCA(t, "config CA")
	dir := t.TempDir()
	cert := ca.issue(t, serverLeaf)
	store, err := tlstransport.LoadCertStore(cert.write(t, dir, "server"))
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	writeFile(t, caFile, ca.pem)
	base := &tls.Config{Certificates: []tls.Certificate{cert.cert}}

	t.Run("no certificate", func(t *testing.T) {
		if _, err := (tlstransport.Transport{}).TLSConfig(); !errors.Is(err, tlstransport.ErrNoCertificate) {
			t.Errorf("zero Transport: %v, want ErrNoCertificate", err)
		}
		ctx := context.Background()
		if _, err := (tlstransport.Transport{}).Listen(ctx, "127.0.0.1:0"); !errors.Is(err, tlstransport.ErrNoCertificate) {
			t.Errorf("zero Transport's Listen: %v, want ErrNoCertificate", err)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		cfg, err := tlstransport.Transport{Config: base}.TLSConfig()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MinVersion != tls.VersionTLS12 || cfg.ClientAuth != tls.NoClientCert || cfg.NextProtos != nil {
			t.Errorf("MinVersion %#x, ClientAuth %v, NextProtos %q; want TLS 1.2, none, none", cfg.MinVersion, cfg.ClientAuth, cfg.NextProtos)
		}
		if cfg == base {
			t.Error("TLSConfig returned Config itself, not a clone")
		}
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
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MinVersion != tls.VersionTLS13 || !slices.Equal(cfg.NextProtos, []string{"ace"}) || cfg.ClientAuth != tls.VerifyClientCertIfGiven {
			t.Errorf("got MinVersion %#x, NextProtos %q, ClientAuth %v", cfg.MinVersion, cfg.NextProtos, cfg.ClientAuth)
		}
		if !slices.Equal(in.NextProtos, []string{"old"}) {
			t.Error("TLSConfig modified Config")
		}
	})
	t.Run("Config's own values kept", func(t *testing.T) {
		in := base.Clone()
		in.MinVersion = tls.VersionTLS13
		in.ClientAuth = tls.RequestClientCert
		cfg, err := tlstransport.Transport{Config: in}.TLSConfig()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MinVersion != tls.VersionTLS13 || cfg.ClientAuth != tls.RequestClientCert {
			t.Errorf("MinVersion %#x, ClientAuth %v; want Config's", cfg.MinVersion, cfg.ClientAuth)
		}
	})
	t.Run("client CA file", func(t *testing.T) {
		cfg, err := tlstransport.Transport{Config: base, ClientCAFile: caFile}.TLSConfig()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil {
			t.Errorf("with a client CA file: ClientAuth %v, ClientCAs %v; want require and verify, the CA", cfg.ClientAuth, cfg.ClientCAs)
		}
		cfg, err = tlstransport.Transport{Config: base, ClientCAFile: caFile, ClientAuth: tls.VerifyClientCertIfGiven}.TLSConfig()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.ClientAuth != tls.VerifyClientCertIfGiven {
			t.Errorf("ClientAuth %v, want the explicit VerifyClientCertIfGiven", cfg.ClientAuth)
		}
	})
	t.Run("bad client CA file", func(t *testing.T) {
		if _, err := (tlstransport.Transport{Config: base, ClientCAFile: filepath.Join(dir, "none.pem")}).TLSConfig(); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("missing CA file: %v, want os.ErrNotExist", err)
		}
		junk := filepath.Join(dir, "junk.pem")
		writeFile(t, junk, []byte("no PEM here"))
		if _, err := (tlstransport.Transport{Config: base, ClientCAFile: junk}).TLSConfig(); err == nil {
			t.Error("a CA file without certificates was accepted")
		}
	})
	t.Run("Certs replace Config's certificates", func(t *testing.T) {
		cfg, err := tlstransport.Transport{Config: base, Certs: store}.TLSConfig()
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.Certificates) != 0 || cfg.GetCertificate == nil {
			t.Errorf("Certificates %d, GetCertificate set %v; want the store's GetCertificate only", len(cfg.Certificates), cfg.GetCertificate != nil)
		}
	})
	t.Run("inner transport error", func(t *testing.T) {
		_, err := tlstransport.Transport{Config: base}.Listen(context.Background(), "no port")
		if err == nil {
			t.Error("Listen on a bad address succeeded")
		}
	})
}
