package cli

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ace-go/ace/tools/internal/certs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCertsCmd runs `ace certs` with args.
func runCertsCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(t.Context(), append([]string{"certs"}, args...), Env{Stdout: &out, Stderr: &errOut})
	return code, out.String(), errOut.String()
}

func readCertFile(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	block, _ := pem.Decode(data)
	require.NotNil(t, block, "%s: no PEM block", path)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	return cert
}

func TestCerts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "certs") // created, parents too
	code, stdout, stderr := runCertsCmd(t, "--dir", dir)
	require.Equal(t, ExitOK, code, stderr)
	require.Empty(t, stderr)
	ca := readCertFile(t, filepath.Join(dir, certs.CAFile))
	leaf := readCertFile(t, filepath.Join(dir, certs.CertFile))
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: roots})
		assert.NoError(t, err, "cert.pem for %s", host)
	}
	for _, want := range []string{
		"to " + dir + ":",
		"curl --cacert " + filepath.Join(dir, "ca.pem") + " https://localhost:8080/",
		"openssl s_client -connect localhost:8080 -CAfile " + filepath.Join(dir, "ca.pem") + " -verify_return_error",
		"sudo update-ca-certificates",
		"sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain " + filepath.Join(dir, "ca.pem"),
		"--client-ca " + filepath.Join(dir, "ca.pem"),
		certs.Fingerprint(ca),
		certs.Fingerprint(leaf),
		ca.Subject.CommonName,
	} {
		assert.Contains(t, stdout, want)
	}

	// A second run keeps the files, unless forced.
	code, stdout, stderr = runCertsCmd(t, "--dir", dir)
	assert.Equal(t, ExitFailure, code, "second run")
	assert.Empty(t, stdout, "second run")
	assert.Regexp(t, `^ace certs: file exists: `+regexp.QuoteMeta(filepath.Join(dir, certs.CAFile))+`.*--force.*\n$`, stderr,
		"second run: one line about --force")
	assert.True(t, readCertFile(t, filepath.Join(dir, certs.CAFile)).Equal(ca), "a run without --force replaced the CA")
	code, _, stderr = runCertsCmd(t, "--dir", dir, "--force", "--host", "example.test", "--host", "192.0.2.1")
	require.Equal(t, ExitOK, code, "--force: %s", stderr)
	leaf = readCertFile(t, filepath.Join(dir, certs.CertFile))
	assert.Equal(t, []string{"example.test"}, leaf.DNSNames, "--host")
	if assert.Len(t, leaf.IPAddresses, 1, "--host") {
		assert.Equal(t, "192.0.2.1", leaf.IPAddresses[0].String(), "--host")
	}
}

// TestCertsWriteFailure checks that a directory that cannot be made is a
// failure, reported on one line.
func TestCertsWriteFailure(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	code, stdout, stderr := runCertsCmd(t, "--dir", filepath.Join(file, "sub"))
	assert.Equal(t, ExitFailure, code)
	assert.Empty(t, stdout)
	assert.Regexp(t, `^ace certs: .*\n$`, stderr, "want one line")
}

// TestCertsHelpListsEveryFlag checks that `ace certs --help` names every
// flag with its default.
func TestCertsHelpListsEveryFlag(t *testing.T) {
	_, stdout, _ := run(t, "certs", "--help")
	fs := flag.NewFlagSet("certs", flag.ContinueOnError)
	new(certsFlags).register(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(stdout, "\n  --"+f.Name+" ") && !strings.Contains(stdout, "\n  --"+f.Name+"\n") {
			t.Errorf("help lacks --%s:\n%s", f.Name, stdout)
		}
		assert.Contains(t, stdout, "(default "+defaultText(f)+")", "the default of --%s", f.Name)
	})
}

// TestCertsInGitWorkTree checks that `ace certs` warns when it writes keys
// into a git work tree that would commit them, and only then.
func TestCertsInGitWorkTree(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git command")
	}
	repo := t.TempDir()
	out, err := exec.Command(git, "init", "-q", repo).CombinedOutput()
	require.NoError(t, err, "git init: %s", out)

	dir := filepath.Join(repo, "certs")
	code, _, stderr := runCertsCmd(t, "--dir", dir)
	require.Equal(t, ExitOK, code, stderr)
	want := "ace certs: warning: " + dir + " is in a git work tree that does not ignore ca-key.pem, key.pem, client-key.pem: " +
		"add them (or the directory) to .gitignore so that no private key is committed\n"
	assert.Equal(t, want, stderr)

	// Once .gitignore covers some keys, the warning names the others; once
	// it covers all, there is no warning.
	require.NoError(t, os.WriteFile(filepath.Join(repo, ".gitignore"), []byte("*-key.pem\n"), 0o644))
	_, _, stderr = runCertsCmd(t, "--dir", dir, "--force")
	assert.Contains(t, stderr, "does not ignore key.pem:", "a warning about key.pem only")
	require.NoError(t, os.WriteFile(filepath.Join(repo, ".gitignore"), []byte("/certs/\n"), 0o644))
	code, _, stderr = runCertsCmd(t, "--dir", dir, "--force")
	assert.Equal(t, ExitOK, code, "ignored directory")
	assert.Empty(t, stderr, "ignored directory: no warning")
	// Outside a work tree (TestCerts checks that, too): no warning.
	code, _, stderr = runCertsCmd(t, "--dir", t.TempDir())
	assert.Equal(t, ExitOK, code, "outside git")
	assert.Empty(t, stderr, "outside git: no warning")
}
