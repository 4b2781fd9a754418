package http1_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/http1"
	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRequestFields checks the *http.Request a handler receives.
func TestRequestFields(t *testing.T) {
	skipIfReuseAll(t) // it keeps the header and context to check them after
	type seen struct {
		method, url, proto, host, remote, requestURI, body string
		minor                                              int
		header, trailer                                    http.Header
		length                                             int64
		te                                                 []string
		close, tls                                         bool
		local                                              any
		ctx                                                context.Context
	}
	got := make(chan seen, 1)
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		trailerBefore := r.Trailer.Clone()
		b, err := io.ReadAll(r.Body)
		assert.NoError(t, err, "reading the body")
		assert.NoError(t, r.Context().Err(), "context done while the handler runs")
		got <- seen{
			method: r.Method, url: r.URL.String(), proto: r.Proto, host: r.Host, remote: r.RemoteAddr,
			requestURI: r.RequestURI, body: string(b), minor: r.ProtoMinor, header: r.Header,
			trailer: r.Trailer, length: r.ContentLength, te: r.TransferEncoding, close: r.Close,
			tls: r.TLS != nil, local: fmt.Sprint(r.Context().Value(http.LocalAddrContextKey)), ctx: r.Context(),
		}
		if trailerBefore["X-T"] != nil || len(trailerBefore) != 1 {
			t.Errorf("Trailer before the body was read: %v, want the announced key only", trailerBefore)
		}
	}), http1.Config{})
	c := dial(t, addr)
	c.send("PUT /a%20b/c?q=1 HTTP/1.1\r\nhost: example.com\r\nx-multi: 1\r\nX-Multi: 2\r\ncontent-TYPE: text/x\r\n" +
		"Transfer-Encoding: chunked\r\nTrailer: x-t\r\nConnection: close\r\n\r\n" +
		"3\r\nabc\r\n0\r\nX-T: tv\r\n\r\n")
	c.response("PUT")
	s := <-got
	want := seen{
		method: "PUT", url: "/a%20b/c?q=1", proto: "HTTP/1.1", host: "example.com",
		remote: c.conn.LocalAddr().String(), requestURI: "/a%20b/c?q=1", body: "abc", minor: 1,
		header:  http.Header{"X-Multi": {"1", "2"}, "Content-Type": {"text/x"}, "Connection": {"close"}},
		trailer: http.Header{"X-T": {"tv"}}, length: -1, te: []string{"chunked"}, close: true,
		local: c.conn.RemoteAddr().String(), ctx: s.ctx,
	}
	assert.Equal(t, fmt.Sprint(want), fmt.Sprint(s), "what the handler saw")
	select {
	case <-s.ctx.Done():
	case <-time.After(testTimeout):
		t.Error("the request's context is not cancelled after the response")
	}
}

// TestPipelinedResponsesOneWrite checks that responses to requests that
// arrived together leave in one write.
func TestPipelinedResponsesOneWrite(t *testing.T) {
	ln := listenLoopback(t)
	ln.writes = new(atomic.Int64)
	ep := core.Start(ln, http1.New(http.HandlerFunc(rulesHandler), http1.Config{}), core.Config{Acceptors: 1})
	t.Cleanup(func() { _ = ep.Close() })
	c := dial(t, ep.Addr().String())
	c.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n")
	for range 3 {
		c.response("GET")
	}
	assert.Equal(t, int64(1), ln.writes.Load(), "writes for three pipelined responses")
}

// TestWriteTimeout checks that a client that does not read is cut off after
// the write timeout.
func TestWriteTimeout(t *testing.T) {
	failed := make(chan error, 1)
	ep := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 1<<20)
		for range 1 << 10 { // 1 GiB: far more than the socket buffers hold
			if _, err := w.Write(chunk); err != nil {
				failed <- err
				return
			}
		}
		failed <- nil
	}), http1.Config{WriteTimeout: 100 * time.Millisecond})
	c := dial(t, ep.Addr().String())
	require.NoError(t, c.conn.SetReadBuffer(16<<10))
	c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	select {
	case err := <-failed:
		if !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
			t.Errorf("Write failed with %v, want a timeout", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("the write to a client that does not read did not time out")
	}
	require.Eventually(t, func() bool { return ep.Stats().Active == 0 }, testTimeout, time.Millisecond, "not closed")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// tlsListener serves TLS over the loopback listener: its connections
// implement core.Handshaker, so the server runs the handshake.
type tlsListener struct {
	loopbackListener
	config *tls.Config
}

func (l tlsListener) Accept(ctx context.Context) (core.Conn, error) {
	c, err := l.loopbackListener.Accept(ctx)
	if err != nil {
		return nil, err
	}
	return tlsConn{tls.Server(c, l.config)}, nil
}

type tlsConn struct{ *tls.Conn }

func (c tlsConn) Info() core.ConnInfo {
	st := c.ConnectionState()
	return core.ConnInfo{Transport: "tls", LocalAddr: c.LocalAddr(), RemoteAddr: c.RemoteAddr(), TLS: &st}
}

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "http1 test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestTLS checks that a handler sees the TLS state of its connection, and
// that http1 runs over any stream transport.
func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	ln := tlsListener{listenLoopback(t), &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}}
	ep := core.Start(ln, http1.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || !r.TLS.HandshakeComplete {
			http.Error(w, "no TLS state", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%s %s", tls.VersionName(r.TLS.Version), r.TLS.NegotiatedProtocol)
	}), http1.Config{}), core.Config{Acceptors: 2})
	t.Cleanup(func() { _ = ep.Close() })
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}}}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: testTimeout}
	resp, err := client.Get("https://" + ep.Addr().String() + "/")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if string(b) != "TLS 1.3 http/1.1" {
		t.Errorf("got %d %q, want TLS 1.3 http/1.1", resp.StatusCode, b)
	}
}

// TestRequestContext checks that contexts derived from a request's context,
// and functions registered with context.AfterFunc, end with the request.
func TestRequestContext(t *testing.T) {
	type derived struct {
		timeout, cancelled context.Context
		after              chan struct{}
		stopped            bool
	}
	got := make(chan derived, 1)
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := derived{after: make(chan struct{})}
		var cancel1 context.CancelFunc
		d.timeout, cancel1 = context.WithTimeout(r.Context(), time.Hour)
		_ = cancel1 // left to the request's end
		var cancel2 context.CancelFunc
		d.cancelled, cancel2 = context.WithCancel(r.Context())
		cancel2()
		context.AfterFunc(r.Context(), func() { close(d.after) })
		stop := context.AfterFunc(r.Context(), func() { t.Error("a stopped AfterFunc ran") })
		d.stopped = stop()
		assert.NoError(t, d.timeout.Err(), "derived context done while the handler runs")
		assert.NoError(t, r.Context().Err(), "context done while the handler runs")
		got <- d
		_, _ = io.WriteString(w, "pong")
	}), http1.Config{})
	c := dial(t, addr)
	c.ping()
	d := <-got
	await(t, d.timeout.Done())
	await(t, d.after)
	assert.ErrorIs(t, d.timeout.Err(), context.Canceled, "derived with a timeout")
	assert.ErrorIs(t, d.cancelled.Err(), context.Canceled, "derived and cancelled")
	assert.True(t, d.stopped, "a stopped AfterFunc reported not stopped")
}

// TestKeptRequestsStayIntact checks that requests a handler keeps after it
// returns stay as they were, whatever the connection serves next: their
// URL, header and context are their own, never storage that a later request
// reuses. Forty pipelined requests, with no field but Host or with a few,
// outnumber what one allocation of requests holds.
func TestKeptRequestsStayIntact(t *testing.T) {
	skipIfReuseAll(t) // it keeps every request to check it after
	const n = 40
	kept := make(chan *http.Request, n)
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kept <- r
	}), http1.Config{})
	c := dial(t, addr)
	var pipelined []byte
	for i := range n {
		pipelined = fmt.Appendf(pipelined, "GET /%d HTTP/1.1\r\nHost: a\r\n", i)
		for f := range i % 4 {
			pipelined = fmt.Appendf(pipelined, "X-F%d: %d\r\n", f, i)
		}
		pipelined = append(pipelined, "\r\n"...)
	}
	c.send(string(pipelined))
	for range n {
		c.response("GET")
	}
	seen := make(map[*http.Request]bool)
	for i := range n {
		r := <-kept
		require.False(t, seen[r], "request %d: the handler got the same *http.Request twice", i)
		seen[r] = true
		if r.URL.Path != fmt.Sprintf("/%d", i) || r.RequestURI != r.URL.Path || r.Host != "a" {
			t.Errorf("request %d: path %q, RequestURI %q, host %q", i, r.URL.Path, r.RequestURI, r.Host)
		}
		want := http.Header{}
		for f := range i % 4 {
			want.Set(fmt.Sprintf("X-F%d", f), fmt.Sprint(i))
		}
		assert.Equal(t, want, r.Header, "request %d: header", i)
		select {
		case <-r.Context().Done():
		case <-time.After(testTimeout):
			t.Errorf("request %d: context not done after its response", i)
		}
	}
}
