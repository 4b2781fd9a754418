package quictransport_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/ace-go/ace/core"
	quictransport "github.com/ace-go/ace/transports/quic"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openStream opens qc's stream as an ace client does: with the preamble.
func openStream(t testing.TB, qc *quic.Conn) *quic.Stream {
	t.Helper()
	st, err := qc.OpenStream()
	require.NoError(t, err, "opening a stream")
	_, err = st.Write([]byte{quictransport.Preamble})
	require.NoError(t, err, "writing the preamble")
	_ = st.SetDeadline(time.Now().Add(patience))
	return st
}

// A plain quic-go client, which no one here wrote, sees its bytes echoed
// once it opens a stream and sends the preamble; so does Dial's client.
func TestEchoQUICGoClient(t *testing.T) {
	e := serve(t, core.Config{Acceptors: 1})
	qc, err := dialQUIC(t, e.Addr(), quictransport.DefaultALPN)
	require.NoError(t, err, "dial")
	st := openStream(t, qc)
	roundTrip(t, st, "hello over quic-go")
	// A half-close ends the server's read side: the echo app's server
	// closes, and the client reads the end of the stream.
	require.NoError(t, st.Close(), "closing the stream's send side")
	rest, err := io.ReadAll(st)
	require.NoError(t, err, "after the half-close, read to EOF")
	require.Empty(t, rest, "after the half-close, read")

	c := dial(t, e.Addr())
	roundTrip(t, c, "hello over Dial")
}

// Info reports the transport, the QUIC version, both addresses and the TLS
// state, peer certificates included under mutual TLS.
func TestInfo(t *testing.T) {
	pki := certs(t)
	serverConf := pki.server.Clone()
	serverConf.ClientAuth = tls.RequireAndVerifyClientCert
	serverConf.ClientCAs = pki.roots
	ln := listenTLS(t, serverConf, quictransport.Config{})
	clientConf := pki.client.Clone()
	clientConf.ServerName = "localhost"
	clientConf.Certificates = []tls.Certificate{pki.clientCert}
	srv, cl := acceptPair(t, ln, clientConf)

	for _, side := range []struct {
		name   string
		conn   *quictransport.Conn
		peerCN string
	}{{"server", srv, "test client"}, {"client", cl, "localhost"}} {
		info := side.conn.Info()
		assert.Equal(t, "quic", info.Transport, "%s: transport", side.name)
		assert.Equal(t, "v1", info.Version, "%s: version", side.name)
		if info.LocalAddr.String() != side.conn.LocalAddr().String() || info.RemoteAddr.String() != side.conn.RemoteAddr().String() {
			t.Errorf("%s: Info addresses %v %v differ from LocalAddr %v RemoteAddr %v", side.name,
				info.LocalAddr, info.RemoteAddr, side.conn.LocalAddr(), side.conn.RemoteAddr())
		}
		require.NotNil(t, info.TLS, "%s: Info's TLS state", side.name)
		if info.TLS.Version != tls.VersionTLS13 || info.TLS.NegotiatedProtocol != quictransport.DefaultALPN {
			t.Errorf("%s: TLS version %#x ALPN %q, want TLS 1.3 and %q", side.name, info.TLS.Version, info.TLS.NegotiatedProtocol, quictransport.DefaultALPN)
		}
		assert.Equal(t, "localhost", info.TLS.ServerName, "%s: SNI", side.name)
		if certs := info.TLS.PeerCertificates; len(certs) == 0 || certs[0].Subject.CommonName != side.peerCN {
			t.Errorf("%s: peer certificates %v, want one for %q", side.name, len(certs), side.peerCN)
		}
	}
	if srv.LocalAddr().String() != ln.Addr().String() || srv.RemoteAddr().String() != cl.LocalAddr().String() ||
		cl.RemoteAddr().String() != ln.Addr().String() {
		t.Errorf("addresses do not match: server %v<-%v, client %v->%v, listener %v",
			srv.LocalAddr(), srv.RemoteAddr(), cl.LocalAddr(), cl.RemoteAddr(), ln.Addr())
	}
}

// ALPN: the default is "ace", Config.ALPN replaces it, and a client that
// offers none of the server's protocols fails the handshake and is never
// accepted.
func TestALPN(t *testing.T) {
	pki := certs(t)
	t.Run("default", func(t *testing.T) {
		ln := listen(t, quictransport.Config{})
		if _, err := dialQUIC(t, ln.Addr(), "other"); !isNoALPN(err) {
			t.Errorf("dialing with ALPN \"other\": %v, want CRYPTO_ERROR no_application_protocol", err)
		}
		srv, _ := acceptPair(t, ln, pki.client)
		assert.Equal(t, quictransport.DefaultALPN, srv.Info().TLS.NegotiatedProtocol, "negotiated")
	})
	t.Run("configured", func(t *testing.T) {
		ln := listen(t, quictransport.Config{ALPN: []string{"echo/1"}})
		if _, err := dialQUIC(t, ln.Addr(), quictransport.DefaultALPN); !isNoALPN(err) {
			t.Errorf("dialing with the default ALPN: %v, want CRYPTO_ERROR no_application_protocol", err)
		}
		conf := pki.client.Clone()
		conf.NextProtos = []string{"echo/1"}
		srv, _ := acceptPair(t, ln, conf)
		assert.Equal(t, "echo/1", srv.Info().TLS.NegotiatedProtocol, "negotiated")
	})
}

// TestALPNWithConfigForClient checks that configurations returned by the
// tls.Config's GetConfigForClient, which a handshake uses in place of the
// listener's, still name the listener's protocols: those of Config.ALPN,
// or the default when they name none themselves.
func TestALPNWithConfigForClient(t *testing.T) {
	pki := certs(t)
	for _, tc := range []struct {
		name     string
		alpn     []string // Config.ALPN
		returned []string // the NextProtos of the configuration returned
		want     string
	}{
		{"none returned", nil, nil, quictransport.DefaultALPN},
		{"returned kept", nil, []string{"mine/1"}, "mine/1"},
		{"configured wins", []string{"echo/1"}, []string{"mine/1"}, "echo/1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			perClient := pki.server.Clone()
			perClient.NextProtos = tc.returned
			var calls atomic.Int32
			conf := pki.server.Clone()
			conf.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
				calls.Add(1)
				return perClient, nil
			}
			ln := listenTLS(t, conf, quictransport.Config{ALPN: tc.alpn})
			client := pki.client.Clone()
			client.NextProtos = []string{tc.want}
			for i := range 2 { // the second handshake uses the cached copy
				srv, _ := acceptPair(t, ln, client)
				require.Equal(t, tc.want, srv.Info().TLS.NegotiatedProtocol, "handshake %d negotiated", i)
			}
			assert.Equal(t, tc.returned, perClient.NextProtos, "the returned configuration was modified")
			assert.EqualValues(t, 2, calls.Load(), "GetConfigForClient runs")
		})
	}
}

// isNoALPN reports whether err is TLS's no_application_protocol alert
// (120), carried by QUIC as CRYPTO_ERROR 0x100+120.
func isNoALPN(err error) bool {
	var te *quic.TransportError
	return errors.As(err, &te) && te.ErrorCode == quic.TransportErrorCode(0x100+120)
}

// A client that completes the QUIC handshake but never opens a stream costs
// one server for at most the handshake timeout, and with a single acceptor
// a second client is served at once meanwhile (rule T3). Its failure is
// logged at debug level.
func TestClientWithoutStreamCostsOneServer(t *testing.T) {
	const handshakeTimeout = time.Second
	logs := &syncBuffer{}
	e := serve(t, core.Config{
		Acceptors:        1,
		HandshakeTimeout: handshakeTimeout,
		Logger:           slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	silent, err := dialQUIC(t, e.Addr(), quictransport.DefaultALPN)
	require.NoError(t, err, "dial")
	start := time.Now()
	require.Eventually(t, func() bool {
		st := e.Stats()
		return st.Accepted == 1 && st.Accepting == 1
	}, patience, time.Millisecond, "the silent client is accepted and the next server waits")

	c := dial(t, e.Addr())
	roundTrip(t, c, "served while the other one stalls")
	require.NoError(t, silent.Context().Err(), "the silent client's connection ended before the second client was served (%v): the test proves nothing", context.Cause(silent.Context()))

	select {
	case <-silent.Context().Done():
	case <-time.After(patience):
		t.Fatalf("the silent client's connection is still open %v after it was accepted", patience)
	}
	// The bound leaves room for a loaded machine; it is far below quic-go's
	// own timeouts (10s for handshakes, 30s idle), which would end the
	// connection if core's handshake timeout did not.
	assert.LessOrEqual(t, time.Since(start), 3*handshakeTimeout, "the silent client held its server for longer than about the handshake timeout %v", handshakeTimeout)
	require.Eventually(t, func() bool { return e.Stats().Closed == 1 }, patience, time.Millisecond, "the silent client's server ends")
	if log := logs.String(); !strings.Contains(log, "handshake failed") || !strings.Contains(log, "waiting for the client's stream") {
		t.Errorf("the failed handshake is not logged at debug level with its reason; logs:\n%s", log)
	}
	roundTrip(t, c, "still served")
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A client may open one bidirectional stream and no unidirectional one:
// quic-go's flow control refuses the others at once, and the first stream
// carries on.
func TestExtraStreamsRefused(t *testing.T) {
	e := serve(t, core.Config{Acceptors: 1})
	qc, err := dialQUIC(t, e.Addr(), quictransport.DefaultALPN)
	require.NoError(t, err, "dial")
	st := openStream(t, qc)
	roundTrip(t, st, "first stream")

	var limit *quic.StreamLimitReachedError
	_, err = qc.OpenStream()
	assert.ErrorAs(t, err, &limit, "opening a second bidirectional stream")
	_, err = qc.OpenUniStream()
	assert.ErrorAs(t, err, &limit, "opening a unidirectional stream")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = qc.OpenStreamSync(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "waiting for credit for a second stream: want none granted")
	roundTrip(t, st, "first stream still served")
}

// A stream that does not start with the preamble fails the handshake, and
// the client's connection is closed with CodeProtocolError.
func TestBadPreamble(t *testing.T) {
	ln := listen(t, quictransport.Config{})
	qc, err := dialQUIC(t, ln.Addr(), quictransport.DefaultALPN)
	require.NoError(t, err, "dial")
	st, err := qc.OpenStream()
	require.NoError(t, err)
	_, err = st.Write([]byte("GET / HTTP/1.1\r\n"))
	require.NoError(t, err)
	conn, err := ln.Accept(ctx(t))
	require.NoError(t, err, "accept")
	defer conn.Close()
	require.ErrorIs(t, conn.(core.Handshaker).HandshakeContext(ctx(t)), quictransport.ErrBadPreamble, "handshake")
	select {
	case <-qc.Context().Done():
	case <-time.After(patience):
		t.Fatal("the client's connection is still open")
	}
	var ae *quic.ApplicationError
	if cause := context.Cause(qc.Context()); !errors.As(cause, &ae) || ae.ErrorCode != quictransport.CodeProtocolError {
		t.Errorf("the connection ended with %v, want application error %#x", cause, quictransport.CodeProtocolError)
	}
}

// HandshakeContext fails with the context's error when it ends first, and
// may be called again.
func TestHandshakeContextRetry(t *testing.T) {
	ln := listen(t, quictransport.Config{})
	qc, err := dialQUIC(t, ln.Addr(), quictransport.DefaultALPN)
	require.NoError(t, err, "dial")
	conn, err := ln.Accept(ctx(t))
	require.NoError(t, err, "accept")
	defer conn.Close()
	hs := conn.(core.Handshaker)
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, hs.HandshakeContext(short), context.DeadlineExceeded, "handshake with no stream")
	st := openStream(t, qc)
	require.NoError(t, hs.HandshakeContext(ctx(t)), "handshake once the stream is open")
	_, err = st.Write([]byte("after"))
	require.NoError(t, err)
	buf := make([]byte, 5)
	_ = conn.SetReadDeadline(time.Now().Add(patience))
	_, err = io.ReadFull(conn, buf)
	require.NoError(t, err, "server read")
	require.Equal(t, "after", string(buf), "server read, without the preamble")
}

// 0-RTT is never accepted: a client that resumes a session and dials for
// 0-RTT gets none (the server's session tickets do not allow early data),
// although the session resumes.
func Test0RTTNotAccepted(t *testing.T) {
	ln := listen(t, quictransport.Config{})
	infos := make(chan core.ConnInfo, 2)
	e := core.Start(ln, core.AppFunc(func(info core.ConnInfo) core.Handler {
		infos <- info
		return echoHandler{}
	}), core.Config{Acceptors: 1})
	t.Cleanup(func() { _ = e.Close() })

	conf := certs(t).client.Clone()
	conf.NextProtos = []string{quictransport.DefaultALPN}
	conf.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	for i, name := range []string{"first", "resumed"} {
		qc, err := quic.DialAddrEarly(ctx(t), ln.Addr().String(), conf, nil)
		require.NoError(t, err, "%s dial", name)
		st := openStream(t, qc)
		roundTrip(t, st, name)
		state := qc.ConnectionState()
		info := <-infos
		assert.False(t, state.Used0RTT, "%s connection: the client used 0-RTT", name)
		if i == 1 {
			require.True(t, info.TLS.DidResume, "the second connection did not resume the session: the test proves nothing")
		}
		_ = qc.CloseWithError(0, "")
	}
}

// Closing the listener refuses new clients at once while the connections it
// accepted carry on; its UDP socket is released once they have ended.
func TestListenerClose(t *testing.T) {
	ln := listen(t, quictransport.Config{})
	addr := ln.Addr().String()
	srv, cl := acceptPair(t, ln, certs(t).client)

	require.NoError(t, ln.Close(), "Close")
	_, err := ln.Accept(ctx(t))
	assert.ErrorIs(t, err, net.ErrClosed, "Accept after Close")
	assert.NoError(t, ln.Close(), "a second Close")
	start := time.Now()
	_, err = quictransport.Dial(ctx(t), addr, certs(t).client)
	var te *quic.TransportError
	if !errors.As(err, &te) || te.ErrorCode != quic.ConnectionRefused {
		t.Errorf("dialing a closed listener: %v, want CONNECTION_REFUSED", err)
	}
	if took := time.Since(start); took > patience/2 {
		t.Errorf("the refusal took %v", took)
	}

	roundTripConn(t, cl, srv, "client to server after Close")
	roundTripConn(t, srv, cl, "server to client after Close")
	_, err = net.ListenPacket("udp", addr)
	require.Error(t, err, "the socket was released while a connection still uses it")
	_ = cl.Close()
	_ = srv.Close()
	require.Eventually(t, func() bool {
		pc, err := net.ListenPacket("udp", addr)
		if err == nil {
			_ = pc.Close()
		}
		return err == nil
	}, patience, time.Millisecond, "the socket is released")
}

// A listener with no connection releases its socket when Close returns.
func TestListenerCloseReleasesSocket(t *testing.T) {
	ln := listen(t, quictransport.Config{})
	addr := ln.Addr().String()
	require.NoError(t, ln.Close(), "Close")
	pc, err := net.ListenPacket("udp", addr)
	require.NoError(t, err, "binding the listener's address after Close")
	_ = pc.Close()
}

// roundTripConn writes msg on from and reads it on to.
func roundTripConn(t testing.TB, from, to net.Conn, msg string) {
	t.Helper()
	_, err := io.WriteString(from, msg)
	require.NoError(t, err, "write")
	buf := make([]byte, len(msg))
	_, err = io.ReadFull(to, buf)
	require.NoError(t, err, "read")
	require.Equal(t, msg, string(buf), "read")
}

// Close loses nothing written before it, whichever side closes, although a
// QUIC connection close discards what the peer has not read.
func TestCloseDeliversWhatWasWritten(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for _, first := range []string{"server", "client"} {
		t.Run(first, func(t *testing.T) {
			ln := listen(t, quictransport.Config{})
			srv, cl := acceptPair(t, ln, certs(t).client)
			w, r := net.Conn(srv), net.Conn(cl)
			if first == "client" {
				w, r = cl, srv
			}
			// A megabyte under -race on a loaded machine may take a while.
			_ = w.SetDeadline(time.Now().Add(3 * patience))
			_ = r.SetDeadline(time.Now().Add(3 * patience))
			errc := make(chan error, 1)
			go func() {
				_, err := w.Write(data)
				if cerr := w.Close(); err == nil {
					err = cerr
				}
				errc <- err
			}()
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("read %d bytes, %v; want %d and EOF", len(got), err, len(data))
			}
			assert.NoError(t, <-errc, "write and close")
		})
	}
}

// A server's Close keeps the connection for at most Config.Linger when the
// client neither reads nor closes.
func TestLingerIsBounded(t *testing.T) {
	const linger = 500 * time.Millisecond
	ln := listen(t, quictransport.Config{Linger: linger})
	qc, err := dialQUIC(t, ln.Addr(), quictransport.DefaultALPN)
	require.NoError(t, err, "dial")
	openStream(t, qc)
	conn, err := ln.Accept(ctx(t))
	require.NoError(t, err, "accept")
	require.NoError(t, conn.(core.Handshaker).HandshakeContext(ctx(t)), "handshake")
	_, err = conn.Write([]byte("unread"))
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, conn.Close(), "Close")
	if took := time.Since(start); took > linger/2 {
		t.Errorf("Close took %v; it must return at once", took)
	}
	select {
	case <-qc.Context().Done():
	case <-time.After(patience):
		t.Fatal("the connection is still open")
	}
	// Well below the idle timeout (30s) that would end it otherwise.
	if took := time.Since(start); took < linger || took > 4*linger {
		t.Errorf("the connection ended %v after Close, want after the linger of %v", took, linger)
	}
	_, err = conn.Read(make([]byte, 1))
	assert.ErrorIs(t, err, net.ErrClosed, "Read after Close")
	assert.ErrorIs(t, conn.Close(), net.ErrClosed, "a second Close")
}

// Dialing a port where nothing listens fails at once, as with TCP, rather
// than after quic-go's handshake timeout: Dial's connected socket hears the
// ICMP port unreachable.
func TestDialClosedPort(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := pc.LocalAddr().String()
	_ = pc.Close()
	start := time.Now()
	c, err := quictransport.Dial(ctx(t), addr, certs(t).client)
	if err == nil {
		_ = c.Close()
		t.Fatal("Dial to a closed port succeeded")
	}
	assert.ErrorIs(t, err, syscall.ECONNREFUSED, "Dial to a closed port")
	if took := time.Since(start); took > patience/2 {
		t.Errorf("Dial to a closed port took %v", took)
	}
}

// Transport implements core.Transport with its embedded Config.
func TestTransport(t *testing.T) {
	tr := quictransport.Transport{
		TLSConfig: certs(t).server,
		Config:    quictransport.Config{ALPN: []string{"echo/1"}},
	}
	e, err := core.Listen(ctx(t), tr, "127.0.0.1:0", echoApp{}, core.Config{Acceptors: 1})
	require.NoError(t, err, "listen")
	t.Cleanup(func() { _ = e.Close() })
	conf := certs(t).client.Clone()
	conf.NextProtos = []string{"echo/1"}
	c, err := quictransport.Dial(ctx(t), e.Addr().String(), conf)
	require.NoError(t, err, "dial")
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(patience))
	roundTrip(t, c, "via Transport")
	_, err = (quictransport.Transport{}).Listen(ctx(t), "127.0.0.1:0")
	assert.Error(t, err, "a Transport without TLSConfig listened")
}

// Handshake abuse: garbage datagrams, a client that vanishes after its first
// packet, a client that rejects the server's certificate, and, under mutual
// TLS, clients with no, an expired or an untrusted certificate. None is
// accepted, each failure is logged at debug level with its reason, none
// holds up the only acceptor (a good client is served meanwhile), and none
// leaks a goroutine (TestMain's check).
func TestHandshakeAbuse(t *testing.T) {
	pki := certs(t)
	stranger, err := newPKI()
	require.NoError(t, err)
	expired, err := pki.issueClient("expired client", time.Now().Add(-time.Hour))
	require.NoError(t, err)
	serverConf := pki.server.Clone()
	serverConf.ClientAuth = tls.RequireAndVerifyClientCert
	serverConf.ClientCAs = pki.roots
	logs := &syncBuffer{}
	ln := listenTLS(t, serverConf, quictransport.Config{
		HandshakeTimeout: 300 * time.Millisecond,
		Logger:           slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	e := core.Start(ln, echoApp{}, core.Config{Acceptors: 1})
	t.Cleanup(func() { _ = e.Close() })
	addr := ln.Addr().String()

	junk, err := net.Dial("udp", addr)
	require.NoError(t, err)
	for _, p := range [][]byte{[]byte("not quic at all"), bytes.Repeat([]byte{0xc3}, 1200)} {
		_, err := junk.Write(p)
		require.NoError(t, err)
	}
	_ = junk.Close()

	vanishing(t, ln.Addr())

	withCert := func(c tls.Certificate) *tls.Config {
		conf := pki.client.Clone()
		conf.Certificates = []tls.Certificate{c}
		return conf
	}
	for _, bad := range []struct {
		name string
		conf *tls.Config
	}{
		{"a client that does not trust the server", &tls.Config{RootCAs: stranger.roots}},
		{"a client with no certificate", pki.client},
		{"a client with an expired certificate", withCert(expired)},
		{"a client with an untrusted certificate", withCert(stranger.clientCert)},
	} {
		// TLS 1.3 clients finish their handshake before the server has
		// checked their certificate: Dial may succeed, and the server's
		// refusal then ends the connection.
		// (That refusal is one datagram: should a starved machine drop
		// it, the client waits, which the server's log below tells apart
		// from being served.)
		c, err := quictransport.Dial(ctx(t), addr, bad.conf)
		if err == nil {
			_ = c.SetReadDeadline(time.Now().Add(patience))
			n, err := c.Read(make([]byte, 1))
			_ = c.Close()
			switch {
			case n > 0 || err == nil:
				t.Errorf("%s: connected and served", bad.name)
			case errors.Is(err, os.ErrDeadlineExceeded):
				t.Logf("%s: connected, and the refusal did not arrive within %v", bad.name, patience)
			}
		}
	}

	good := dialConf(t, ln.Addr(), withCert(pki.clientCert))
	roundTrip(t, good, "served despite the abuse")

	const want = 5 // the bad clients and the vanishing one
	require.Eventually(t, func() bool {
		return strings.Count(logs.String(), "ended before it was accepted") >= want
	}, patience, time.Millisecond, "every failed handshake is logged")
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !strings.Contains(line, "level=DEBUG") || !strings.Contains(line, "remote=127.0.0.1:") || !strings.Contains(line, "err=") {
			t.Errorf("log line without level DEBUG, remote address or reason: %s", line)
		}
	}
	assert.Equal(t, uint64(1), e.Stats().Accepted, "connections accepted: only the good client's")
	t.Logf("logs:\n%s", logs)
}

// vanishing starts a QUIC handshake with addr and vanishes after its first
// packet: every later datagram it would send is dropped, and it gives up.
func vanishing(t *testing.T, addr net.Addr) {
	t.Helper()
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer uc.Close()
	conf := certs(t).client.Clone()
	conf.NextProtos = []string{quictransport.DefaultALPN}
	dctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	qc, err := quic.Dial(dctx, &firstOnly{PacketConn: uc, uc: uc}, addr, conf, nil)
	if err == nil {
		_ = qc.CloseWithError(0, "")
		t.Fatal("a client whose packets are dropped completed its handshake")
	}
}

// firstOnly sends its first datagram and drops the others. It hides the
// socket's ReadMsgUDP and WriteMsgUDP, so that quic-go writes through
// WriteTo, but lets quic-go size the socket's buffers.
type firstOnly struct {
	net.PacketConn
	uc   *net.UDPConn
	sent atomic.Bool
}

func (c *firstOnly) SetReadBuffer(n int) error             { return c.uc.SetReadBuffer(n) }
func (c *firstOnly) SetWriteBuffer(n int) error            { return c.uc.SetWriteBuffer(n) }
func (c *firstOnly) SyscallConn() (syscall.RawConn, error) { return c.uc.SyscallConn() }

func (c *firstOnly) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.sent.Swap(true) {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}
