package tlstransport_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	tlstransport "github.com/ace-go/ace/transports/tls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStalledHandshakeDoesNotBlockAccept is rule T3 with one acceptor: a
// client that opens TCP and never sends a ClientHello does not stop a
// second client from being served at once.
func TestStalledHandshakeDoesNotBlockAccept(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "T3 CA")
	tr := tlstransport.Transport{Config: &tls.Config{Certificates: []tls.Certificate{ca.issue(t, serverLeaf).cert}}}
	var logs logBuffer
	ep := serve(t, tr, "127.0.0.1:0", echoApp{}, core.Config{
		Acceptors:        1,
		HandshakeTimeout: time.Minute, // the stalled client outlives the test
		Logger:           logs.logger(),
	})

	stalled := dialRaw(t, ep.Addr())
	// Its server took it, and the governor started the next one.
	waitStats(t, ep, "the stalled client taken and a server accepting",
		func(s core.Stats) bool { return s.Active == 1 && s.Accepting == 1 })

	start := time.Now()
	c := mustDialTLS(t, ep.Addr(), clientConfig(ca))
	echoes(t, c, "served while another client stalls")
	t.Logf("second client served in %v", time.Since(start))

	// The first is still in its handshake: two connections are active.
	s := ep.Stats()
	assert.Equal(t, int64(2), s.Active, "Active while one client stalls and one is served")
	assert.Equal(t, int64(1), s.Accepting, "Accepting while one client stalls and one is served")
	if _, ok := logs.line("handshake failed"); ok {
		t.Errorf("a handshake failed while the client was stalling:\n%s", logs.String())
	}
	_ = stalled
}

// TestStalledHandshakeTimesOut is rule T3's bound: a client that never
// sends a ClientHello costs its server no more than the handshake timeout.
func TestStalledHandshakeTimesOut(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "T3 CA")
	tr := tlstransport.Transport{Config: &tls.Config{Certificates: []tls.Certificate{ca.issue(t, serverLeaf).cert}}}
	var logs logBuffer
	const timeout = 200 * time.Millisecond
	ep := serve(t, tr, "127.0.0.1:0", echoApp{}, core.Config{
		Acceptors:        1,
		HandshakeTimeout: timeout,
		Logger:           logs.logger(),
	})

	start := time.Now()
	stalled := dialRaw(t, ep.Addr())
	waitClosed(t, stalled)
	took := time.Since(start)
	assert.GreaterOrEqual(t, took, timeout, "the stalled client was closed before the handshake timeout")
	waitStats(t, ep, "the stalled client's server gone",
		func(s core.Stats) bool { return s.Active == 0 && s.Accepting == 1 && s.Closed == 1 })
	if line, ok := logs.line("level=DEBUG", "handshake failed", tlstransport.ErrHandshakeTimeout.Error()); !ok {
		t.Errorf("no debug log of the timed-out handshake; logs:\n%s", logs.String())
	} else {
		t.Logf("logged: %s", strings.TrimSpace(line))
	}
	t.Logf("the stalled client was closed after %v", took)
}

// abuse is a client that misbehaves during the handshake. It returns once
// the server has closed the connection.
type abuse func(t *testing.T, addr net.Addr)

// silent opens a connection and sends nothing.
func silent(t *testing.T, addr net.Addr) {
	waitClosed(t, dialRaw(t, addr))
}

// garbage sends plain text instead of a ClientHello.
func garbage(t *testing.T, addr net.Addr) {
	c := dialRaw(t, addr)
	_, err := io.WriteString(c, "HELO this is not TLS\r\n\x00\x01\x02\x03")
	require.NoError(t, err)
	waitClosed(t, c)
}

// hangup sends the first keep bytes of its ClientHello (all of it when keep
// is 0), then closes the connection.
func hangup(keep int) abuse {
	return func(t *testing.T, addr net.Addr) {
		c := dialRaw(t, addr)
		hc := &hangupConn{Conn: c, keep: keep}
		tc := tls.Client(hc, &tls.Config{ServerName: "localhost", InsecureSkipVerify: true})
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		require.Error(t, tc.HandshakeContext(ctx), "a handshake whose connection was closed")
		require.True(t, hc.hungUp, "the client never wrote")
	}
}

// hangupConn writes part of the first write given to it, then closes.
type hangupConn struct {
	net.Conn
	keep   int
	hungUp bool
}

func (c *hangupConn) Write(p []byte) (int, error) {
	if c.hungUp {
		return 0, net.ErrClosed
	}
	q := p
	if c.keep > 0 && c.keep < len(p) {
		q = p[:c.keep]
	}
	_, err := c.Conn.Write(q)
	c.hungUp = true
	_ = c.Conn.Close()
	return len(p), err
}

// withClientCert completes a TLS handshake with cert, and expects the server
// to reject it: with TLS 1.3 the client's handshake may succeed, and the
// rejection arrive as an alert on its first read.
func withClientCert(ca *testCA, cert *tls.Certificate) abuse {
	return func(t *testing.T, addr net.Addr) {
		cfg := clientConfig(ca)
		if cert != nil {
			// Offered whatever CAs the server names: crypto/tls
			// would send no certificate rather than one from a
			// CA the server did not list.
			cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				return cert, nil
			}
		}
		c, err := dialTLS(t, addr, cfg)
		if err != nil {
			return
		}
		assert.NotEqual(t, io.EOF, waitClosed(t, c), "the server closed the connection without an alert, as if it had accepted the client certificate")
	}
}

// TestHandshakeAbuse runs clients that misbehave during the handshake. Each
// is logged at debug level with a clear error, leaks no goroutine and pins
// no acceptor, and the endpoint serves on.
func TestHandshakeAbuse(t *testing.T) {
	const acceptors = 3
	ca := newCA(t, "abuse CA")
	other := newCA(t, "untrusted CA")
	dir := t.TempDir()
	clientCA := dir + "/client-ca.pem"
	writeFile(t, clientCA, ca.pem)
	serverCert := ca.issue(t, serverLeaf).cert
	good := ca.issue(t, leaf{name: "good client", client: true}).cert
	expired := ca.issue(t, leaf{name: "expired client", client: true, notAfter: time.Now().Add(-time.Hour)}).cert
	untrusted := other.issue(t, leaf{name: "untrusted client", client: true}).cert

	for _, tc := range []struct {
		name  string
		mtls  bool
		abuse abuse
		want  []string // in the logged error
		is    error
	}{
		{"silent", false, silent, []string{"handshake timed out after"}, tlstransport.ErrHandshakeTimeout},
		{"garbage", false, garbage, []string{"did not send a TLS handshake", "does not look like a TLS handshake"}, tlstransport.ErrNotTLS},
		{"hangup mid-ClientHello", false, hangup(20), []string{"client closed the connection during the handshake"}, tlstransport.ErrHandshakeAborted},
		{"hangup after ClientHello", false, hangup(0), []string{"client closed the connection during the handshake"}, tlstransport.ErrHandshakeAborted},
		{"expired client certificate", true, withClientCert(ca, &expired), []string{"client certificate rejected", "expired"}, tlstransport.ErrClientCertificate},
		{"untrusted client certificate", true, withClientCert(ca, &untrusted), []string{"client certificate rejected", "unknown authority"}, tlstransport.ErrClientCertificate},
		{"no client certificate", true, withClientCert(ca, nil), []string{"didn't provide a certificate"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			tr := tlstransport.Transport{Config: &tls.Config{Certificates: []tls.Certificate{serverCert}}}
			client := clientConfig(ca)
			if tc.mtls {
				tr.ClientAuth = tls.RequireAndVerifyClientCert
				tr.ClientCAFile = clientCA
				client.Certificates = []tls.Certificate{good}
			}
			// Only the silent client needs the handshake timeout to
			// end; the others keep the default, so that a slow
			// machine does not turn their failure into a timeout.
			var timeout time.Duration
			if tc.is == tlstransport.ErrHandshakeTimeout {
				timeout = 200 * time.Millisecond
			}
			var logs logBuffer
			ep := serve(t, tr, "127.0.0.1:0", echoApp{}, core.Config{
				Acceptors:        acceptors,
				HandshakeTimeout: timeout,
				Logger:           logs.logger(),
			})
			waitStats(t, ep, "every acceptor waiting", func(s core.Stats) bool { return s.Accepting == acceptors })

			tc.abuse(t, ep.Addr())

			waitStats(t, ep, "the abusive client's server gone and every acceptor waiting",
				func(s core.Stats) bool { return s.Active == 0 && s.Closed == 1 && s.Accepting == acceptors })
			want := append([]string{"level=DEBUG", `msg="ace: handshake failed"`}, tc.want...)
			require.Eventually(t, func() bool { _, ok := logs.line(want...); return ok }, waitTimeout, tick,
				"no log line with %q; logs:\n%s", want, &logs)
			line, _ := logs.line(want...)
			t.Logf("logged: %s", strings.TrimSpace(line))
			if tc.is != nil && !strings.Contains(line, tc.is.Error()) {
				t.Errorf("the log does not name %q", tc.is)
			}
			// Nothing above debug level: a misbehaving client is not the
			// operator's problem.
			if l, ok := logs.line("level=WARN"); ok {
				t.Errorf("logged a warning: %s", l)
			}
			if l, ok := logs.line("level=ERROR"); ok {
				t.Errorf("logged an error: %s", l)
			}

			// The endpoint serves on.
			echoes(t, mustDialTLS(t, ep.Addr(), client), "still serving")
		})
	}
}

// TestHandshakeErrorKinds checks the errors HandshakeContext returns, which
// core logs, against errors.Is.
func TestHandshakeErrorKinds(t *testing.T) {
	noLeaks(t)
	ca := newCA(t, "kinds CA")
	tr := tlstransport.Transport{Config: &tls.Config{Certificates: []tls.Certificate{ca.issue(t, serverLeaf).cert}}}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	ln, err := tr.ListenTLS(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()

	// handshake runs the server's handshake while client misbehaves on
	// its own goroutine.
	handshake := func(hctx context.Context, client func(net.Conn)) error {
		cc := dialRaw(t, ln.Addr())
		done := make(chan struct{})
		go func() {
			defer close(done)
			client(cc)
		}()
		c, err := ln.Accept(ctx)
		require.NoError(t, err)
		err = c.(core.Handshaker).HandshakeContext(hctx)
		_ = c.Close()
		<-done
		return err
	}
	drain := func(c net.Conn) {
		_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
		_, _ = io.Copy(io.Discard, c)
	}

	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	err = handshake(short, drain)
	assert.ErrorIs(t, err, tlstransport.ErrHandshakeTimeout, "silent client")
	assert.ErrorIs(t, err, context.DeadlineExceeded, "silent client")
	err = handshake(ctx, func(c net.Conn) {
		_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
		drain(c)
	})
	var rhe tls.RecordHeaderError
	assert.ErrorIs(t, err, tlstransport.ErrNotTLS, "plain HTTP request")
	assert.ErrorAs(t, err, &rhe, "plain HTTP request")
	err = handshake(ctx, func(c net.Conn) { _ = c.Close() })
	assert.ErrorIs(t, err, tlstransport.ErrHandshakeAborted, "client closing at once")
	assert.ErrorIs(t, err, io.EOF, "client closing at once")
}
