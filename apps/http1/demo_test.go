package http1_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ace-go/ace/apps/http1"
)

// TestDemo checks the demo handler of `ace serve http1`.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte("file content"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := dial(t, serve(t, http1.Demo(dir), http1.Config{}))
	for _, tc := range []struct {
		req, method string
		status      int
		body        string
		chunked     bool
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET", 200, "Hello from ace http1!\n", false},
		{"GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n", "GET", 404, "404 page not found\n", false},
		{"PATCH /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nping", "PATCH", 200, "ping", false},
		{"GET /stream?n=3 HTTP/1.1\r\nHost: a\r\n\r\n", "GET", 200, "line 1\nline 2\nline 3\n", true},
		{"GET /stream?n=x HTTP/1.1\r\nHost: a\r\n\r\n", "GET", 400, "", false},
		{"GET /files/f.txt HTTP/1.1\r\nHost: a\r\n\r\n", "GET", 200, "file content", false},
	} {
		c.send(tc.req)
		resp, body := c.response(tc.method)
		if resp.StatusCode != tc.status || (tc.body != "" && body != tc.body) ||
			tc.chunked != (len(resp.TransferEncoding) > 0) {
			t.Errorf("%q: %d %q %v", strings.SplitN(tc.req, "\r\n", 2)[0], resp.StatusCode, body, resp.TransferEncoding)
		}
	}
	// Without a root there are no files.
	c = dial(t, serve(t, http1.Demo(""), http1.Config{}))
	c.send("GET /files/f.txt HTTP/1.1\r\nHost: a\r\n\r\n")
	if resp, _ := c.response("GET"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("files without a root: %d", resp.StatusCode)
	}
}

// TestDemoDotFiles checks that the demo's file server answers 404 for every
// path with an element that starts with a dot, however it is spelled, and
// leaves such names out of directory listings, while it still serves the
// other files.
func TestDemoDotFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		".git/config":  "[core]",
		".hidden":      "secret",
		"dir/.env":     "TOKEN=secret",
		"dir/ok.txt":   "ok",
		"v1.2/a.b.txt": "dotted",
	} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := dial(t, serve(t, http1.Demo(dir), http1.Config{}))
	get := func(target string) (int, string) {
		t.Helper()
		c.send("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n")
		resp, body := c.response("GET")
		return resp.StatusCode, body
	}
	for _, target := range []string{
		"/files/.git/config",
		"/files/.git/",
		"/files/.git",
		"/files/.hidden",
		"/files/dir/.env",
		"/files/%2egit/config",
		"/files/%2Ehidden",
		"/files/dir/%2eenv",
		"/files/dir%2F.env",
		"/files/dir%2f%2eenv",
	} {
		if code, body := get(target); code != http.StatusNotFound {
			t.Errorf("GET %s: %d %q, want 404", target, code, body)
		}
	}
	for target, want := range map[string]string{
		"/files/dir/ok.txt":   "ok",
		"/files/dir%2Fok.txt": "ok",
		"/files/v1.2/a.b.txt": "dotted",
	} {
		if code, body := get(target); code != http.StatusOK || body != want {
			t.Errorf("GET %s: %d %q, want 200 %q", target, code, body, want)
		}
	}
	for target, want := range map[string]string{"/files/": "dir/", "/files/dir/": "ok.txt"} {
		code, body := get(target)
		if code != http.StatusOK || !strings.Contains(body, want) || strings.Contains(body, ">.") {
			t.Errorf("GET %s: %d, want a listing with %s and no dot-file:\n%s", target, code, want, body)
		}
	}
}
