package certs

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// The files of a [Set] in a directory.
const (
	CAFile         = "ca.pem"         // the CA certificate: what clients trust
	CAKeyFile      = "ca-key.pem"     // the CA's key: keep it secret
	CertFile       = "cert.pem"       // the server certificate
	KeyFile        = "key.pem"        // the server certificate's key
	ClientCertFile = "client.pem"     // a client certificate, for mutual TLS
	ClientKeyFile  = "client-key.pem" // the client certificate's key
)

// File modes: private keys are readable by their owner only.
const (
	certMode fs.FileMode = 0o644
	keyMode  fs.FileMode = 0o600
)

// ClientName is the common name of a Set's client certificate.
const ClientName = "ace development client"

// ErrExist is returned by [Set.WriteDir] when a file it would write exists
// and it was not asked to overwrite it.
var ErrExist = errors.New("certs: file exists")

// Set is what `ace certs` writes: a CA, a server certificate it signed for a
// list of hosts, and a client certificate it signed for mutual TLS.
type Set struct {
	CA     *CA
	Server *Leaf
	Client *Leaf
}

// NewSet makes a new CA and issues a server certificate for hosts
// ([DefaultHosts] when none are given) and a client certificate.
func NewSet(now time.Time, hosts ...string) (*Set, error) {
	if len(hosts) == 0 {
		hosts = DefaultHosts
	}
	ca, err := NewCA(now)
	if err != nil {
		return nil, err
	}
	server, err := ca.IssueServer(now, hosts...)
	if err != nil {
		return nil, err
	}
	client, err := ca.IssueClient(now, ClientName)
	if err != nil {
		return nil, err
	}
	return &Set{CA: ca, Server: server, Client: client}, nil
}

// file is one file of a Set: its name, contents and mode.
type file struct {
	name string
	data []byte
	mode fs.FileMode
}

// files encodes the set as the files WriteDir writes.
func (s *Set) files() ([]file, error) {
	pairs := []struct {
		certName, keyName string
		cert              *x509.Certificate
		key               crypto.Signer
	}{
		{CAFile, CAKeyFile, s.CA.Cert, s.CA.Key},
		{CertFile, KeyFile, s.Server.Cert, s.Server.Key},
		{ClientCertFile, ClientKeyFile, s.Client.Cert, s.Client.Key},
	}
	out := make([]file, 0, 2*len(pairs))
	for _, p := range pairs {
		key, err := KeyPEM(p.key)
		if err != nil {
			return nil, err
		}
		out = append(out,
			file{p.certName, CertPEM(p.cert), certMode},
			file{p.keyName, key, keyMode})
	}
	return out, nil
}

// WriteDir writes the set's six files to dir, creating dir (mode 0755) if
// need be: certificates with mode 0644, keys with mode 0600. Each file is
// written to a temporary file and renamed, so that a server reloading its
// certificate never reads half of one, and an existing key file does not
// keep a laxer mode. Unless overwrite is true, WriteDir writes nothing and
// returns an error wrapping [ErrExist] if any of the files exists. It
// returns the paths it wrote, in the order of the constants above.
func (s *Set) WriteDir(dir string, overwrite bool) ([]string, error) {
	files, err := s.files()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	if !overwrite {
		for _, f := range files {
			path := filepath.Join(dir, f.name)
			if _, err := os.Lstat(path); err == nil {
				return nil, fmt.Errorf("%w: %s", ErrExist, path)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("certs: %w", err)
			}
		}
	}
	paths := make([]string, 0, len(files))
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := WriteFileAtomic(path, f.data, f.mode); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// WriteFileAtomic writes data to path with mode perm, replacing any file
// there in one rename: a reader sees the old contents or the new, never
// part of them. The temporary file is created in path's directory with mode
// 0600, so a key is never readable by others, even for a moment.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("certs: write %s: %w", path, err)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
