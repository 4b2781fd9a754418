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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// do sends req with client and returns the status and body.
func do(t *testing.T, client *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func newRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, r)
	require.NoError(t, err)
	return req
}

func TestParseHTTP1(t *testing.T) {
	root := t.TempDir()
	c := parse(t, http1Spec, "--root", root)
	assert.IsType(t, (*http1.App)(nil), c.app)
	assert.Equal(t, "127.0.0.1:8080", c.listen)
	assert.Equal(t, []any{"app", "http1", "root", root}, c.attrs)
	c = parse(t, http1Spec, "--reuse-requests")
	assert.Equal(t, true, attr(c.attrs, "reuse_requests"), "--reuse-requests: attributes %v", c.attrs)
}

// TestServeHTTP1 serves the demo over TCP with small limits and checks that
// the demo answers and that the limits given as flags apply, with and
// without --reuse-requests.
func TestServeHTTP1(t *testing.T) {
	root := t.TempDir()
	for name, content := range map[string]string{"a.txt": "file a\n", ".env": "TOKEN=secret\n"} {
		require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte(content), 0o644))
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
		assert.Equal(t, tt.status, resp.StatusCode, "%s %s", tt.method, tt.path)
		if tt.want != "" {
			assert.Equal(t, tt.want, body, "%s %s", tt.method, tt.path)
		}
	}
	req := newRequest(t, "GET", base+"/", "")
	req.Header.Set("X-Large", strings.Repeat("x", 1024))
	resp, _ := do(t, client, req)
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode, "a header section over --max-header-bytes")
	// A request that stops halfway gets 408 after --header-timeout.
	c, r := dial(t, s.addr)
	start := time.Now()
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
	require.NoError(t, err)
	line, err := r.ReadString('\n')
	assert.NoError(t, err, "incomplete request")
	assert.True(t, strings.HasPrefix(line, "HTTP/1.1 408 "), "incomplete request: %q, want 408", line)
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond, "408 before the 200ms header timeout")
	require.NoError(t, s.stop(t))
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
	assert.Equal(t, 200, resp.StatusCode, "POST /echo")
	assert.Equal(t, "over TLS", body, "POST /echo")
	// HTTP/1.1 chosen by ALPN although the client offers h2.
	assert.Equal(t, "HTTP/1.1", resp.Proto)
	if assert.NotNil(t, resp.TLS) {
		assert.Equal(t, "http/1.1", resp.TLS.NegotiatedProtocol, "ALPN")
	}
	require.NoError(t, s.stop(t))
}
