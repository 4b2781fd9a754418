package http1_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ace-go/ace/apps/http1"
	"github.com/stretchr/testify/assert"
)

// rulesConfig are the limits the rule table runs with.
var rulesConfig = http1.Config{
	MaxRequestLineBytes: 1024,
	MaxHeaderBytes:      4096,
	MaxBodyBytes:        1000,
}

// rulesHandler answers /ping with "pong" and any other request with "ok",
// after reading the whole body; it answers nothing when reading the body
// fails, to leave the status to the server. It reports what it saw in
// X-Seen-* fields.
func rulesHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/ping" {
		_, _ = io.WriteString(w, "pong")
		return
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	h := w.Header()
	h.Set("X-Seen-Body", string(b))
	h.Set("X-Seen-Host", r.Host)
	h.Set("X-Seen-URL", r.URL.String())
	h.Set("X-Seen-Proto", r.Proto)
	h.Set("X-Seen-Length", strconv.FormatInt(r.ContentLength, 10))
	h.Set("X-Seen-Trailer", r.Trailer.Get("T"))
	_, _ = io.WriteString(w, "ok")
}

// rule is one case of the table: a raw request, the status it must get, and
// whether the connection must stay open after it.
type rule struct {
	name   string
	req    string
	method string // of the request, to read the response; default GET
	status int
	open   bool
	check  func(t *testing.T, resp *http.Response, body string)
}

func seen(field, want string) func(*testing.T, *http.Response, string) {
	return func(t *testing.T, resp *http.Response, _ string) {
		t.Helper()
		assert.Equal(t, want, resp.Header.Get("X-Seen-"+field), "what the handler saw of %s", field)
	}
}

var rules = []rule{
	// Request line (RFC 9112, section 3).
	{name: "get", req: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", status: 200, open: true},
	{name: "http10 closes by default", req: "GET / HTTP/1.0\r\n\r\n", status: 200},
	{name: "http10 keep-alive", req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", status: 200, open: true},
	{name: "http11 connection close", req: "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", status: 200},
	{name: "higher minor version is 1.1", req: "GET / HTTP/1.2\r\nHost: a\r\n\r\n", status: 200, open: true},
	{name: "version 2.0", req: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", status: 505},
	{name: "version 0.9", req: "GET / HTTP/0.9\r\nHost: a\r\n\r\n", status: 505},
	{name: "version lowercase", req: "GET / http/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "version two digits", req: "GET / HTTP/1.10\r\nHost: a\r\n\r\n", status: 400},
	{name: "double space", req: "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "missing target", req: "GET HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "method not a token", req: "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "unknown method served", req: "BREW / HTTP/1.1\r\nHost: a\r\n\r\n", status: 200, open: true},
	{name: "origin form with query", req: "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: a\r\n\r\n",
		status: 200, open: true, check: seen("URL", "/a/b?x=1&y=%20")},
	{name: "absolute form", req: "GET http://example.com:8080/x?q HTTP/1.1\r\nHost: other\r\n\r\n",
		status: 200, open: true, check: seen("Host", "example.com:8080")},
	{name: "absolute form without host", req: "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "authority form for GET", req: "GET example.com:80 HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "authority form for CONNECT", req: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
		method: "CONNECT", status: 200, open: true, check: seen("Host", "example.com:443")},
	{name: "CONNECT origin form", req: "CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "CONNECT without port", req: "CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "asterisk form for OPTIONS", req: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", status: 200, open: true},
	{name: "asterisk form for GET", req: "GET * HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "fragment", req: "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "bad percent encoding", req: "GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "non-ASCII target", req: "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "control byte in target", req: "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "leading empty lines", req: "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", status: 200, open: true},
	{name: "bare LF ends request line", req: "GET / HTTP/1.1\nHost: a\r\n\r\n", status: 400},
	{name: "bare LF ends field line", req: "GET / HTTP/1.1\r\nHost: a\n\r\n", status: 400},
	{name: "bare CR in request line", req: "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
	{name: "request line too long", req: "GET /" + strings.Repeat("a", 1100) + " HTTP/1.1\r\nHost: a\r\n\r\n", status: 414},
	{name: "request line too long, incomplete", req: "GET /" + strings.Repeat("a", 1100), status: 414},

	// Field lines (RFC 9112, section 5; RFC 9110, section 5).
	{name: "missing Host on 1.1", req: "GET / HTTP/1.1\r\n\r\n", status: 400},
	{name: "missing Host on 1.0", req: "GET / HTTP/1.0\r\n\r\n", status: 200},
	{name: "empty Host", req: "GET / HTTP/1.1\r\nHost:\r\n\r\n", status: 200, open: true},
	{name: "two Hosts", req: "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", status: 400},
	{name: "two Hosts on 1.0", req: "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", status: 400},
	{name: "invalid Host", req: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", status: 400},
	{name: "Host with space", req: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", status: 400},
	{name: "obs-fold", req: "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", status: 400},
	{name: "whitespace before colon", req: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", status: 400},
	{name: "tab before colon", req: "GET / HTTP/1.1\r\nHost: a\r\nX\t: 1\r\n\r\n", status: 400},
	{name: "no colon", req: "GET / HTTP/1.1\r\nHost: a\r\nX\r\n\r\n", status: 400},
	{name: "empty field name", req: "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", status: 400},
	{name: "invalid field name", req: "GET / HTTP/1.1\r\nHost: a\r\nX(y): 1\r\n\r\n", status: 400},
	{name: "bare CR in value", req: "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r2\r\n\r\n", status: 400},
	{name: "bare CR line before the empty one", req: "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n", status: 400},
	{name: "bare CR starts a field line", req: "GET / HTTP/1.1\r\nHost: a\r\n\rX: 1\r\n\r\n", status: 400},
	{name: "NUL in value", req: "GET / HTTP/1.1\r\nHost: a\r\nX: 1\x002\r\n\r\n", status: 400},
	{name: "obs-text in value", req: "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xe9\r\n\r\n", status: 200, open: true},
	{name: "header section too large", req: "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 5000) + "\r\n\r\n", status: 431},
	{name: "header section too large, incomplete", req: "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 5000), status: 431},

	// Content-Length (RFC 9110, section 8.6; RFC 9112, section 6.3).
	{name: "content-length body", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		status: 200, open: true, check: seen("Body", "hello")},
	{name: "content-length zero", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", status: 200, open: true},
	{name: "content-length not a number", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", status: 400},
	{name: "content-length negative", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", status: 400},
	{name: "content-length signed", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", status: 400},
	{name: "content-length overflow", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", status: 400},
	{name: "content-length repeated, different", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", status: 400},
	{name: "content-length list, different", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello!", status: 400},
	{name: "content-length repeated, same", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
		status: 200, open: true, check: seen("Body", "hello")},
	{name: "content-length over limit", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n", status: 413},

	// Transfer-Encoding (RFC 9112, sections 6 and 7).
	{name: "chunked", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
		status: 200, open: true, check: seen("Body", "hello world")},
	{name: "chunked with extensions and trailer",
		req:    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: T\r\n\r\n5;a=b;c=\"d;e\" \t;f\r\nhello\r\n0\r\nT: v\r\n\r\n",
		status: 200, open: true, check: func(t *testing.T, resp *http.Response, body string) {
			seen("Body", "hello")(t, resp, body)
			seen("Trailer", "v")(t, resp, body)
			seen("Length", "-1")(t, resp, body)
		}},
	{name: "chunked uppercase hex", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
		status: 200, open: true, check: seen("Body", "0123456789")},
	{name: "chunk size not hex", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "chunk size empty", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "chunk size overflow", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "chunk size signed", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "chunk extension malformed", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;=x\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "chunk data without CRLF", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", status: 400},
	{name: "chunk line bare LF", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", status: 400},
	{name: "chunked over limit", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n" + strings.Repeat("x", 1001) + "\r\n0\r\n\r\n", status: 413},
	{name: "chunked body not read by handler, malformed", req: "POST /ping HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", status: 400},
	{name: "unknown coding before chunked", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 501},
	{name: "chunked not last", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", status: 400},
	{name: "no chunked", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", status: 400},
	{name: "chunked twice", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400},
	{name: "empty transfer-encoding", req: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", status: 400},
	{name: "transfer-encoding in 1.0", req: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400},
	{name: "content-length and transfer-encoding", req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400},

	// Expect (RFC 9110, section 10.1.1).
	{name: "expect 100-continue", req: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
		status: 200, open: true, check: seen("Body", "hi")},
	{name: "unknown expectation", req: "POST / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\nhi", status: 417},

	// Responses (RFC 9110, section 9.3.2; RFC 9112, section 6.3).
	{name: "head", req: "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", method: "HEAD", status: 200, open: true},
}

// TestRules runs the rule table: each raw request must get exactly its
// status, and the connection must stay open or close as the rule says.
// It runs with ReuseRequests too, where every request on a connection gets
// the *http.Request the last one had.
func TestRules(t *testing.T) {
	reuseConfig := rulesConfig
	reuseConfig.ReuseRequests = true
	for _, srv := range []struct{ prefix, addr string }{
		{"", serve(t, http.HandlerFunc(rulesHandler), rulesConfig)},
		{"reuse/", serve(t, http.HandlerFunc(rulesHandler), reuseConfig)},
	} {
		for _, r := range rules {
			t.Run(srv.prefix+r.name, func(t *testing.T) { testRule(t, srv.addr, r) })
		}
	}
}

// testRule runs rule r against the server at addr.
func testRule(t *testing.T, addr string, r rule) {
	c := dial(t, addr)
	c.send(r.req)
	method := r.method
	if method == "" {
		method = "GET"
	}
	resp, body := c.response(method)
	if resp.StatusCode != r.status {
		t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, r.status, body)
	}
	if r.status == http.StatusOK && method != "HEAD" && method != "CONNECT" && body != "ok" {
		t.Errorf("body %q, want ok", body)
	}
	if r.check != nil {
		r.check(t, resp, body)
	}
	if r.open {
		if resp.Close {
			t.Errorf("response says the connection closes; want it open")
		}
		c.ping()
	} else {
		if !resp.Close {
			t.Errorf("response does not say Connection: close")
		}
		c.expectEOF()
	}
}
