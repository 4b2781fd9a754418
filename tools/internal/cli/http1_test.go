package cli

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/http1"
	"github.com/ace-go/ace/tools/internal/certs"
)

// do sends req with client and returns the status and body.
func do(t *testing.T, client *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func newRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestParseHTTP1(t *testing.T) {
	root := t.TempDir()
	c := parse(t, http1Spec, "--root", root)
	if _, ok := c.app.(*http1.App); !ok {
		t.Errorf("app is %T, want *http1.App", c.app)
	}
	if c.listen != "127.0.0.1:8080" {
		t.Errorf("listen = %q, want 127.0.0.1:8080", c.listen)
	}
	if attr(c.attrs, "app") != "http1" || attr(c.attrs, "root") != root || attr(c.attrs, "reuse_requests") != nil {
		t.Errorf("attributes %v, want app=http1 root=%s and no reuse_requests", c.attrs, root)
	}
	if c := parse(t, http1Spec, "--reuse-requests"); attr(c.attrs, "reuse_requests") != true {
		t.Errorf("--reuse-requests: attributes %v, want reuse_requests=true", c.attrs)
	}
}

// TestServeHTTP1 serves the demo over TCP with small limits and checks that
// the demo answers and that the limits given as flags apply, with and
// without --reuse-requests.
func TestServeHTTP1(t *testing.T) {
	root := t.TempDir()
	for name, content := range map[string]string{"a.txt": "file a\n", ".env": "TOKEN=secret\n"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, extra := range [][]string{nil, {"--reuse-requests"}} {
		t.Run(fmt.Sprint("flags", extra), func(t *testing.T) { testServeHTTP1(t, root, extra) })
	}
}

func testServeHTTP1(t *testing.T, root string, extra []string) {
	s := startServe(t, parse(t, http1Spec, append([]string{"--listen", "127.0.0.1:0", "--acceptors", "2", "--root", root,
		"--max-body-bytes", "16", "--max-header-bytes", "1024", "--header-timeout", "200ms"}, extra...)...))
	base := "http://" + s.addr.String()
	client := &http.Client{Timeout: waitTimeout}
	defer client.CloseIdleConnections()

	for _, tt := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/", "", 200, "Hello from ace http1!\n"},
		{"POST", "/echo", "sixteen bytes!!!", 200, "sixteen bytes!!!"},
		{"POST", "/echo", "seventeen bytes!!", 413, ""},
		{"GET", "/stream?n=2", "", 200, "line 1\nline 2\n"},
		{"GET", "/files/a.txt", "", 200, "file a\n"},
		{"GET", "/files/.env", "", 404, ""},
		{"GET", "/files/%2eenv", "", 404, ""},
	} {
		resp, body := do(t, client, newRequest(t, tt.method, base+tt.path, tt.body))
		if resp.StatusCode != tt.status || (tt.want != "" && body != tt.want) {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, resp.StatusCode, body, tt.status, tt.want)
		}
	}
	req := newRequest(t, "GET", base+"/", "")
	req.Header.Set("X-Large", strings.Repeat("x", 1024))
	if resp, _ := do(t, client, req); resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a header section over --max-header-bytes: %d, want 431", resp.StatusCode)
	}
	// A request that stops halfway gets 408 after --header-timeout.
	c, r := dial(t, s.addr)
	start := time.Now()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 408 ") {
		t.Errorf("incomplete request: %q, %v; want 408", line, err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("408 after %v, before the 200ms header timeout", d)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}

// TestServeHTTP1TLS serves the demo over TLS with certificate files: the
// client verifies them and negotiates http/1.1 by ALPN.
func TestServeHTTP1TLS(t *testing.T) {
	dir, set := devCerts(t)
	s := startServe(t, parse(t, http1Spec, "--transport", "tls", "--listen", "127.0.0.1:0", "--acceptors", "1",
		"--cert", filepath.Join(dir, certs.CertFile), "--key", filepath.Join(dir, certs.KeyFile)))
	roots := x509.NewCertPool()
	roots.AddCert(set.CA.Cert)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "localhost"}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: waitTimeout, Transport: tr}
	resp, body := do(t, client, newRequest(t, "POST", "https://"+s.addr.String()+"/echo", "over TLS"))
	if resp.StatusCode != 200 || body != "over TLS" {
		t.Errorf("POST /echo: %d %q", resp.StatusCode, body)
	}
	if resp.Proto != "HTTP/1.1" || resp.TLS == nil || resp.TLS.NegotiatedProtocol != "http/1.1" {
		t.Errorf("protocol %s, ALPN %v; want HTTP/1.1 chosen by ALPN although the client offers h2", resp.Proto, resp.TLS)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}
