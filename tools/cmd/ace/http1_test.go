package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, body
}

// curlRun runs curl with args, failing the test unless it succeeds, and
// returns its stdout and stderr (the -v trace, when asked for).
func curlRun(t *testing.T, curl string, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, err := runTool(t, curl, append([]string{"-sS", "--fail", "--max-time", "20"}, args...)...)
	if err != nil {
		t.Fatalf("curl %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return stdout, stderr
}

// testHTTP1Curl serves `ace serve http1` over TCP and drives it with curl:
// GET, POST, a chunked upload, Expect: 100-continue, HTTP/1.0, a streamed
// response, files with a range, and keep-alive reuse.
func testHTTP1Curl(t *testing.T, bin string) {
	curl := needTool(t, "curl")
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "hello.txt"), []byte("hello, file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := start(t, bin, "serve", "http1", "--listen", "127.0.0.1:0", "--root", root, "--acceptors", "4")
	rec := p.log.wait(t, "ace: listening")
	if rec["transport"] != "tcp" || rec["app"] != "http1" || rec["root"] != root {
		t.Errorf("listening record %v, want transport=tcp app=http1 root=%s", rec, root)
	}
	base := "http://" + rec["addr"]
	path, body := writeBody(t, 200<<10) // larger than any buffer on the way

	t.Run("get", func(t *testing.T) {
		if out, _ := curlRun(t, curl, base+"/"); out != greeting {
			t.Errorf("GET / = %q, want %q", out, greeting)
		}
	})
	t.Run("post", func(t *testing.T) {
		out, _ := curlRun(t, curl, "--data-binary", "hello body", "-H", "Content-Type: text/x-test",
			"-w", "\n%{content_type}", base+"/echo")
		if out != "hello body\ntext/x-test" {
			t.Errorf("POST /echo = %q, want the body and its content type", out)
		}
	})
	t.Run("chunked-upload", func(t *testing.T) {
		out, trace := curlRun(t, curl, "-v", "-H", "Transfer-Encoding: chunked", "--data-binary", "@"+path, base+"/echo")
		if !strings.Contains(trace, "> Transfer-Encoding: chunked") {
			t.Errorf("curl did not send a chunked body:\n%s", trace)
		}
		if out != body {
			t.Errorf("chunked upload echoed %d bytes, want the %d sent", len(out), len(body))
		}
	})
	t.Run("expect-100-continue", func(t *testing.T) {
		out, trace := curlRun(t, curl, "-v", "-H", "Expect: 100-continue", "--data-binary", "@"+path, base+"/echo")
		if !strings.Contains(trace, "< HTTP/1.1 100 Continue") {
			t.Errorf("no 100 Continue:\n%s", trace)
		}
		if out != body {
			t.Errorf("upload after 100-continue echoed %d bytes, want %d", len(out), len(body))
		}
	})
	t.Run("http1.0", func(t *testing.T) {
		out, trace := curlRun(t, curl, "-v", "--http1.0", base+"/")
		if !strings.Contains(trace, "> GET / HTTP/1.0") || out != greeting {
			t.Errorf("HTTP/1.0 GET / = %q:\n%s", out, trace)
		}
		// A response too long to be buffered whole is delimited by closing
		// the connection, since HTTP/1.0 has no chunked coding.
		out, trace = curlRun(t, curl, "-v", "--http1.0", "--data-binary", "@"+path, base+"/echo")
		if out != body {
			t.Errorf("HTTP/1.0 POST /echo echoed %d bytes, want %d", len(out), len(body))
		}
		if strings.Contains(trace, "< Transfer-Encoding: chunked") {
			t.Errorf("chunked response to an HTTP/1.0 client:\n%s", trace)
		}
	})
	t.Run("stream", func(t *testing.T) {
		out, trace := curlRun(t, curl, "-v", "-N", base+"/stream?n=3")
		if out != "line 1\nline 2\nline 3\n" {
			t.Errorf("GET /stream?n=3 = %q", out)
		}
		if !strings.Contains(trace, "< Transfer-Encoding: chunked") {
			t.Errorf("a flushed stream is not chunked:\n%s", trace)
		}
	})
	t.Run("files", func(t *testing.T) {
		if out, _ := curlRun(t, curl, base+"/files/hello.txt"); out != "hello, file\n" {
			t.Errorf("GET /files/hello.txt = %q", out)
		}
		if out, _ := curlRun(t, curl, "-r", "0-4", "-w", " %{http_code}", base+"/files/hello.txt"); out != "hello 206" {
			t.Errorf("GET /files/hello.txt bytes 0-4 = %q, want %q", out, "hello 206")
		}
	})
	t.Run("keep-alive", func(t *testing.T) {
		out, trace := curlRun(t, curl, "-v", base+"/", base+"/stream?n=1")
		if out != greeting+"line 1\n" {
			t.Errorf("two requests answered %q", out)
		}
		if !strings.Contains(trace, "Re-using existing connection") {
			t.Errorf("curl did not reuse the connection:\n%s", trace)
		}
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
	if rec["transport"] != "tls" {
		t.Errorf("listening record %v, want transport=tls", rec)
	}
	_, port, err := net.SplitHostPort(rec["addr"])
	if err != nil {
		t.Fatal(err)
	}
	// localhost, as the certificate names it, but surely over 127.0.0.1.
	url := "https://localhost:" + port
	resolve := "localhost:" + port + ":127.0.0.1"
	ca := filepath.Join(dir, "ca.pem")

	out, _ := curlRun(t, curl, "--cacert", ca, "--resolve", resolve, "-w", "%{http_version}", url+"/")
	if out != greeting+"1.1" {
		t.Errorf("GET / over https = %q, want the greeting over HTTP/1.1 (ALPN http/1.1)", out)
	}
	path, body := writeBody(t, 64<<10)
	out, _ = curlRun(t, curl, "--cacert", ca, "--resolve", resolve, "-H", "Transfer-Encoding: chunked",
		"--data-binary", "@"+path, url+"/echo")
	if out != body {
		t.Errorf("chunked upload over https echoed %d bytes, want %d", len(out), len(body))
	}
	// Without the CA, curl cannot verify the certificate: exit status 60.
	_, stderr, err := runTool(t, curl, "-sS", "--resolve", resolve, url+"/")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 60 {
		t.Errorf("curl without --cacert: %v (%s), want exit status 60", err, strings.TrimSpace(stderr))
	}
	p.signalAndWait(t, syscall.SIGTERM)
}
