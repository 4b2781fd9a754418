package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/tools/internal/certs"
)

// needTool returns the path of the program name. When it is not installed,
// it skips the test, or fails it when ACE_REQUIRE_TOOLS=1: .ci/run sets
// that, and installs every program the tests use, so CI never skips.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("ACE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is not installed, and ACE_REQUIRE_TOOLS=1: %v", name, err)
		}
		t.Skipf("%s is not installed (.ci/run installs it): %v", name, err)
	}
	return path
}

// tool is a program no one here wrote (openssl s_client) run
// interactively: the test writes its stdin and reads its stdout line by
// line, with deadlines.
type tool struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *logWatcher
	stderr *logWatcher
	next   int           // the stdout line expect reads next
	done   chan struct{} // closed once the process has exited
	err    error         // cmd.Wait's result, once done is closed
}

// startTool starts the program at path with args, and kills it, if it is
// still running, when the test ends.
func startTool(t *testing.T, path string, args ...string) *tool {
	t.Helper()
	p := &tool{
		t:      t,
		name:   filepath.Base(path) + " " + strings.Join(args, " "),
		cmd:    exec.Command(path, args...),
		stdout: newLogWatcher(),
		stderr: newLogWatcher(),
		done:   make(chan struct{}),
	}
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s: stdout:\n%s\nstderr:\n%s", p.name, p.stdout, p.stderr)
		}
	})
	return p
}

// send writes line and a newline to the program's stdin.
func (p *tool) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatalf("%s: writing %q: %v", p.name, line, err)
	}
}

// expect reads the program's next line of stdout and fails unless it is
// want.
func (p *tool) expect(want string) {
	p.t.Helper()
	line, ok := p.stdout.line(p.t, p.next, p.done)
	if !ok {
		p.t.Fatalf("%s exited (%v) before writing %q", p.name, p.err, want)
	}
	p.next++
	if line != want {
		p.t.Fatalf("%s wrote %q, want %q", p.name, line, want)
	}
}

// wait waits for the program to exit and returns cmd.Wait's result.
func (p *tool) wait() error {
	p.t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(waitTimeout):
		p.t.Fatalf("%s still running after %v", p.name, waitTimeout)
		return nil
	}
}

// runTool runs the program at path to completion, within waitTimeout, and
// returns its stdout and stderr.
func runTool(t *testing.T, path string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// makeCerts runs `ace certs` into a new directory and returns it.
func makeCerts(t *testing.T, bin string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "certs")
	stdout, stderr, err := runTool(t, bin, "certs", "--dir", dir)
	if err != nil {
		t.Fatalf("ace certs: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	return dir
}

// readCert reads the first certificate of a PEM file.
func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s holds no PEM certificate", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cert
}

// fingerprintFile returns the SHA-256 fingerprint of the certificate in a
// PEM file, formatted as the ace command logs it.
func fingerprintFile(t *testing.T, path string) string {
	t.Helper()
	return certs.Fingerprint(readCert(t, path))
}

// caPool returns a pool of the certificates in the given PEM files.
func caPool(t *testing.T, paths ...string) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	for _, p := range paths {
		pool.AddCert(readCert(t, p))
	}
	return pool
}

// loadKeyPair loads a certificate and key pair written by `ace certs`.
func loadKeyPair(t *testing.T, certFile, keyFile string) tls.Certificate {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// dialTLS connects to addr over TLS with conf and completes the handshake.
func dialTLS(t *testing.T, addr string, conf *tls.Config) *client {
	t.Helper()
	conn, err := tryTLS(t, addr, conf)
	if err != nil {
		t.Fatalf("TLS handshake with %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return newClient(t, conn)
}

// tryTLS connects to addr over TLS with conf and returns the connection
// once its handshake is done, with a deadline of waitTimeout.
func tryTLS(t *testing.T, addr string, conf *tls.Config) (*tls.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	d := tls.Dialer{NetDialer: &net.Dialer{}, Config: conf}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	tc := conn.(*tls.Conn)
	if err := tc.SetDeadline(time.Now().Add(waitTimeout)); err != nil {
		tc.Close()
		return nil, err
	}
	return tc, nil
}

// peerFingerprint returns the fingerprint of the certificate the server of
// c presented.
func peerFingerprint(t *testing.T, c *client) string {
	t.Helper()
	tc, ok := c.conn.(*tls.Conn)
	if !ok {
		t.Fatalf("%T is not a TLS connection", c.conn)
	}
	return certs.Fingerprint(tc.ConnectionState().PeerCertificates[0])
}
