package http1_test

import (
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/http1"
)

// TestFileServer checks that http.FileServer's Range and If-Modified-Since
// handling comes through the server intact.
func TestFileServer(t *testing.T) {
	dir := t.TempDir()
	const content = "0123456789abcdef"
	file := filepath.Join(dir, "hello.txt")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := os.Chtimes(file, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/files/", http.StripPrefix("/files/", http.FileServer(http.Dir(dir))))
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "pong") })
	c := dial(t, serve(t, mux, http1.Config{}))

	get := func(extra string) (*http.Response, string) {
		t.Helper()
		c.send("GET /files/hello.txt HTTP/1.1\r\nHost: a\r\n" + extra + "\r\n")
		return c.response("GET")
	}

	resp, body := get("")
	if resp.StatusCode != 200 || body != content || resp.Header.Get("Last-Modified") != mtime.Format(http.TimeFormat) ||
		resp.Header.Get("Accept-Ranges") != "bytes" || resp.ContentLength != int64(len(content)) {
		t.Errorf("whole file: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	resp, body = get("Range: bytes=2-5\r\n")
	if resp.StatusCode != http.StatusPartialContent || body != "2345" ||
		resp.Header.Get("Content-Range") != "bytes 2-5/16" || resp.ContentLength != 4 {
		t.Errorf("range: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	resp, body = get("Range: bytes=-3\r\n")
	if resp.StatusCode != http.StatusPartialContent || body != "def" {
		t.Errorf("suffix range: %d %q", resp.StatusCode, body)
	}

	resp, body = get("Range: bytes=1-2,10-11\r\n")
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusPartialContent || err != nil || mt != "multipart/byteranges" {
		t.Fatalf("multiple ranges: %d %v %v", resp.StatusCode, resp.Header, err)
	}
	mr := multipart.NewReader(strings.NewReader(body), params["boundary"])
	for _, want := range []struct{ rng, body string }{{"bytes 1-2/16", "12"}, {"bytes 10-11/16", "ab"}} {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		if p.Header.Get("Content-Range") != want.rng || string(b) != want.body {
			t.Errorf("part %v %q, want %s %q", p.Header, b, want.rng, want.body)
		}
	}

	resp, _ = get("Range: bytes=100-200\r\n")
	if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("unsatisfiable range: %d", resp.StatusCode)
	}

	resp, body = get("If-Modified-Since: " + mtime.Format(http.TimeFormat) + "\r\n")
	if resp.StatusCode != http.StatusNotModified || body != "" || resp.Header["Content-Length"] != nil {
		t.Errorf("not modified: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	resp, body = get("If-Modified-Since: " + mtime.Add(-time.Hour).Format(http.TimeFormat) + "\r\n")
	if resp.StatusCode != 200 || body != content {
		t.Errorf("modified since: %d %q", resp.StatusCode, body)
	}

	resp, body = get("If-Range: " + mtime.Add(-time.Hour).Format(http.TimeFormat) + "\r\nRange: bytes=2-5\r\n")
	if resp.StatusCode != 200 || body != content {
		t.Errorf("stale If-Range: %d %q", resp.StatusCode, body)
	}
	c.ping()
}
