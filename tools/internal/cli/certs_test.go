package cli

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ace-go/ace/tools/internal/certs"
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
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestCerts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "certs") // created, parents too
	code, stdout, stderr := runCertsCmd(t, "--dir", dir)
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	ca := readCertFile(t, filepath.Join(dir, certs.CAFile))
	leaf := readCertFile(t, filepath.Join(dir, certs.CertFile))
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: roots}); err != nil {
			t.Errorf("cert.pem for %s: %v", host, err)
		}
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
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}

	// A second run keeps the files, unless forced.
	code, stdout, stderr = runCertsCmd(t, "--dir", dir)
	if code != ExitFailure || stdout != "" || strings.Count(stderr, "\n") != 1 ||
		!strings.HasPrefix(stderr, "ace certs: file exists: "+filepath.Join(dir, certs.CAFile)) || !strings.Contains(stderr, "--force") {
		t.Errorf("second run: exit %d, stdout %q, stderr %q; want 1 and one line about --force", code, stdout, stderr)
	}
	if !readCertFile(t, filepath.Join(dir, certs.CAFile)).Equal(ca) {
		t.Error("a run without --force replaced the CA")
	}
	code, _, stderr = runCertsCmd(t, "--dir", dir, "--force", "--host", "example.test", "--host", "192.0.2.1")
	if code != ExitOK {
		t.Fatalf("--force: exit %d, %s", code, stderr)
	}
	leaf = readCertFile(t, filepath.Join(dir, certs.CertFile))
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "example.test" || len(leaf.IPAddresses) != 1 || leaf.IPAddresses[0].String() != "192.0.2.1" {
		t.Errorf("--host: names %v, addresses %v", leaf.DNSNames, leaf.IPAddresses)
	}
}

// TestCertsWriteFailure checks that a directory that cannot be made is a
// failure, reported on one line.
func TestCertsWriteFailure(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCertsCmd(t, "--dir", filepath.Join(file, "sub"))
	if code != ExitFailure || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "ace certs: ") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and one line", code, stdout, stderr)
	}
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
		if want := "(default " + defaultText(f) + ")"; !strings.Contains(stdout, want) {
			t.Errorf("help lacks the default of --%s, %s", f.Name, want)
		}
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
	if out, err := exec.Command(git, "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}

	dir := filepath.Join(repo, "certs")
	code, _, stderr := runCertsCmd(t, "--dir", dir)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	want := "ace certs: warning: " + dir + " is in a git work tree that does not ignore ca-key.pem, key.pem, client-key.pem: " +
		"add them (or the directory) to .gitignore so that no private key is committed\n"
	if stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}

	// Once .gitignore covers some keys, the warning names the others; once
	// it covers all, there is no warning.
	if err := os.WriteFile(filepath.Join(repo, ".gitignore"), []byte("*-key.pem\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, stderr := runCertsCmd(t, "--dir", dir, "--force"); !strings.Contains(stderr, "does not ignore key.pem:") {
		t.Errorf("stderr %q, want a warning about key.pem only", stderr)
	}
	if err := os.WriteFile(filepath.Join(repo, ".gitignore"), []byte("/certs/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCertsCmd(t, "--dir", dir, "--force"); code != ExitOK || stderr != "" {
		t.Errorf("ignored directory: exit %d, stderr %q; want 0 and no warning", code, stderr)
	}
	// Outside a work tree (TestCerts checks that, too): no warning.
	if code, _, stderr := runCertsCmd(t, "--dir", t.TempDir()); code != ExitOK || stderr != "" {
		t.Errorf("outside git: exit %d, stderr %q; want 0 and no warning", code, stderr)
	}
}
