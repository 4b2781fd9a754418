package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// greeting is what the demo handler answers on GET /.
const greeting = "Hello from ace http1!\n"

// writeBody writes a request body of n bytes of numbered lines to a new
// file and returns its path and contents.
func writeBody(t *testing.T, n int) (string, string) {
	t.Helper()
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "line %06d of a body that curl uploads\n", i)
	}
	body := b.String()[:n]
	path := filepath.Join(t.TempDir(), "body.txt")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path, body
}

// curlRun runs curl with args, failing the test unless it succeeds, and
// returns its stdout and stderr (the -v trace, when asked for).
func curlRun(t *testing.T, curl string, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, err := runTool(t, curl, append([]string{"-sS", "--fail", "--max-time", "20"}, args...)...)
	require.NoError(t, err, "curl %s\n%s", strings.Join(args, " "), stderr)
	return stdout, stderr
}

// testHTTP1Curl serves `ace serve http1` over TCP and drives it with curl:
// GET, POST, a chunked upload, Expect: 100-continue, HTTP/1.0, a streamed
// response, files with a range, and keep-alive reuse.
func testHTTP1Curl(t *testing.T, bin string) {
	curl := needTool(t, "curl")
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "hello.txt"), []byte("hello, file\n"), 0o644))
	p := start(t, bin, "serve", "http1", "--listen", "127.0.0.1:0", "--root", root, "--acceptors", "4")
	rec := p.log.wait(t, "ace: listening")
	assert.Equal(t, "tcp", rec["transport"], "listening record %v", rec)
	assert.Equal(t, "http1", rec["app"], "listening record %v", rec)
	assert.Equal(t, root, rec["root"], "listening record %v", rec)
	base := "http://" + rec["addr"]
	path, body := writeBody(t, 200<<10) // larger than any buffer on the way

	t.Run("get", func(t *testing.T) {
		out, _ := curlRun(t, curl, base+"/")
		assert.Equal(t, greeting, out, "GET /")
	})
	t.Run("post", func(t *testing.T) {
		out, _ := curlRun(t, curl, "--data-binary", "hello body", "-H", "Content-Type: text/x-test",
			"-w", "\n%{content_type}", base+"/echo")
		assert.Equal(t, "hello body\ntext/x-test", out, "POST /echo: the body and its content type")
	})
	t.Run("chunked-upload", func(t *testing.T) {
		out, trace := curlRun(t, curl, "-v", "-H", "Transfer-Encoding: chunked", "--data-binary", "@"+path, base+"/echo")
		assert.Contains(t, trace, "> Transfer-Encoding: chunked")
		if out != body {
			t.Errorf("chunked upload echoed %d bytes, want the %d sent", len(out), len(body))
		}
	})
	t.Run("expect-100-continue", func(t *testing.T) {
		out, trace := curlRun(t, curl, "-v", "-H", "Expect: 100-continue", "--data-binary", "@"+path, base+"/echo")
		assert.Contains(t, trace, "< HTTP/1.1 100 Continue")
		if out != body {
			t.Errorf("upload after 100-continue echoed %d bytes, want %d", len(out), len(body))
		}
	})
	t.Run("http1.0", func(t *testing.T) {
		out, trace := curlRun(t, curl, "-v", "--http1.0", base+"/")
		assert.Contains(t, trace, "> GET / HTTP/1.0")
		assert.Equal(t, greeting, out, "HTTP/1.0 GET /")
		// A response too long to be buffered whole is delimited by closing
		// the connection, since HTTP/1.0 has no chunked coding.
		out, trace = curlRun(t, curl, "-v", "--http1.0", "--data-binary", "@"+path, base+"/echo")
		if out != body {
			t.Errorf("HTTP/1.0 POST /echo echoed %d bytes, want %d", len(out), len(body))
		}
		assert.NotContains(t, trace, "< Transfer-Encoding: chunked", "a chunked response to an HTTP/1.0 client")
	})
	t.Run("stream", func(t *testing.T) {
		out, trace := curlRun(t, curl, "-v", "-N", base+"/stream?n=3")
		assert.Equal(t, "line 1\nline 2\nline 3\n", out, "GET /stream?n=3")
		assert.Contains(t, trace, "< Transfer-Encoding: chunked")
	})
	t.Run("files", func(t *testing.T) {
		out, _ := curlRun(t, curl, base+"/files/hello.txt")
		assert.Equal(t, "hello, file\n", out, "GET /files/hello.txt")
		out, _ = curlRun(t, curl, "-r", "0-4", "-w", " %{http_code}", base+"/files/hello.txt")
		assert.Equal(t, "hello 206", out, "GET /files/hello.txt bytes 0-4")
	})
	t.Run("keep-alive", func(t *testing.T) {
		out, trace := curlRun(t, curl, "-v", base+"/", base+"/stream?n=1")
		assert.Equal(t, greeting+"line 1\n", out, "two requests")
		assert.Contains(t, trace, "Re-using existing connection")
	})
	p.signalAndWait(t, syscall.SIGTERM)
}

// testHTTP1HTTPS serves `ace serve http1 --transport tls` with a certificate
// from `ace certs`, which curl verifies with --cacert and refuses without.
func testHTTP1HTTPS(t *testing.T, bin string) {
	curl := needTool(t, "curl")
	dir := makeCerts(t, bin)
	p := start(t, bin, "serve", "http1", "--transport", "tls", "--listen", "127.0.0.1:0",
		"--cert", filepath.Join(dir, "cert.pem"), "--key", filepath.Join(dir, "key.pem"))
	rec := p.log.wait(t, "ace: listening")
	assert.Equal(t, "tls", rec["transport"], "listening record %v", rec)
	_, port, err := net.SplitHostPort(rec["addr"])
	require.NoError(t, err)
	// localhost, as the certificate names it, but surely over 127.0.0.1.
	url := "https://localhost:" + port
	resolve := "localhost:" + port + ":127.0.0.1"
	ca := filepath.Join(dir, "ca.pem")

	out, _ := curlRun(t, curl, "--cacert", ca, "--resolve", resolve, "-w", "%{http_version}", url+"/")
	assert.Equal(t, greeting+"1.1", out, "GET / over https: the greeting over HTTP/1.1 (ALPN http/1.1)")
	path, body := writeBody(t, 64<<10)
	out, _ = curlRun(t, curl, "--cacert", ca, "--resolve", resolve, "-H", "Transfer-Encoding: chunked",
		"--data-binary", "@"+path, url+"/echo")
	if out != body {
		t.Errorf("chunked upload over https echoed %d bytes, want %d", len(out), len(body))
	}
	// Without the CA, curl cannot verify the certificate: exit status 60.
	_, stderr, err := runTool(t, curl, "-sS", "--resolve", resolve, url+"/")
	var exit *exec.ExitError
	if assert.ErrorAs(t, err, &exit, "curl without --cacert") {
		assert.Equal(t, 60, exit.ExitCode(), "curl without --cacert: %s", strings.TrimSpace(stderr))
	}
	p.signalAndWait(t, syscall.SIGTERM)
}
