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
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/ace-go/ace/core"
	quictransport "github.com/ace-go/ace/transports/quic"
)

// openStream opens qc's stream as an ace client does: with the preamble.
func openStream(t testing.TB, qc *quic.Conn) *quic.Stream {
	t.Helper()
	st, err := qc.OpenStream()
	if err != nil {
		t.Fatalf("opening a stream: %v", err)
	}
	if _, err := st.Write([]byte{quictransport.Preamble}); err != nil {
		t.Fatalf("writing the preamble: %v", err)
	}
	_ = st.SetDeadline(time.Now().Add(patience))
	return st
}

// A plain quic-go client, which no one here wrote, sees its bytes echoed
// once it opens a stream and sends the preamble; so does Dial's client.
func TestEchoQUICGoClient(t *testing.T) {
	e := serve(t, core.Config{Acceptors: 1})
	qc, err := dialQUIC(t, e.Addr(), quictransport.DefaultALPN)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	st := openStream(t, qc)
	roundTrip(t, st, "hello over quic-go")
	// A half-close ends the server's read side: the echo app's server
	// closes, and the client reads the end of the stream.
	if err := st.Close(); err != nil {
		t.Fatalf("closing the stream's send side: %v", err)
	}
	if rest, err := io.ReadAll(st); err != nil || len(rest) > 0 {
		t.Fatalf("after the half-close, read %q, %v; want nothing and EOF", rest, err)
	}

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
		if info.Transport != "quic" || info.Version != "v1" {
			t.Errorf("%s: transport %q version %q, want \"quic\" \"v1\"", side.name, info.Transport, info.Version)
		}
		if info.LocalAddr.String() != side.conn.LocalAddr().String() || info.RemoteAddr.String() != side.conn.RemoteAddr().String() {
			t.Errorf("%s: Info addresses %v %v differ from LocalAddr %v RemoteAddr %v", side.name,
				info.LocalAddr, info.RemoteAddr, side.conn.LocalAddr(), side.conn.RemoteAddr())
		}
		if info.TLS == nil {
			t.Fatalf("%s: Info has no TLS state", side.name)
		}
		if info.TLS.Version != tls.VersionTLS13 || info.TLS.NegotiatedProtocol != quictransport.DefaultALPN {
			t.Errorf("%s: TLS version %#x ALPN %q, want TLS 1.3 and %q", side.name, info.TLS.Version, info.TLS.NegotiatedProtocol, quictransport.DefaultALPN)
		}
		if info.TLS.ServerName != "localhost" {
			t.Errorf("%s: SNI %q, want \"localhost\"", side.name, info.TLS.ServerName)
		}
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
		if got := srv.Info().TLS.NegotiatedProtocol; got != quictransport.DefaultALPN {
			t.Errorf("negotiated %q, want %q", got, quictransport.DefaultALPN)
		}
	})
	t.Run("configured", func(t *testing.T) {
		ln := listen(t, quictransport.Config{ALPN: []string{"echo/1"}})
		if _, err := dialQUIC(t, ln.Addr(), quictransport.DefaultALPN); !isNoALPN(err) {
			t.Errorf("dialing with the default ALPN: %v, want CRYPTO_ERROR no_application_protocol", err)
		}
		conf := pki.client.Clone()
		conf.NextProtos = []string{"echo/1"}
		srv, _ := acceptPair(t, ln, conf)
		if got := srv.Info().TLS.NegotiatedProtocol; got != "echo/1" {
			t.Errorf("negotiated %q, want \"echo/1\"", got)
		}
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
				if got := srv.Info().TLS.NegotiatedProtocol; got != tc.want {
					t.Fatalf("handshake %d negotiated %q, want %q", i, got, tc.want)
				}
			}
			if !slices.Equal(perClient.NextProtos, tc.returned) {
				t.Errorf("the returned configuration was modified: NextProtos %q", perClient.NextProtos)
			}
			if n := calls.Load(); n != 2 {
				t.Errorf("GetConfigForClient ran %d times, want 2", n)
			}
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
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	start := time.Now()
	poll(t, "the silent client is accepted and the next server waits", func() bool {
		st := e.Stats()
		return st.Accepted == 1 && st.Accepting == 1
	})

	c := dial(t, e.Addr())
	roundTrip(t, c, "served while the other one stalls")
	if err := silent.Context().Err(); err != nil {
		t.Fatalf("the silent client's connection ended before the second client was served (%v): the test proves nothing", context.Cause(silent.Context()))
	}

	select {
	case <-silent.Context().Done():
	case <-time.After(patience):
		t.Fatalf("the silent client's connection is still open %v after it was accepted", patience)
	}
	// The bound leaves room for a loaded machine; it is far below quic-go's
	// own timeouts (10s for handshakes, 30s idle), which would end the
	// connection if core's handshake timeout did not.
	if took := time.Since(start); took > 3*handshakeTimeout {
		t.Errorf("the silent client held its server for %v, want about the handshake timeout %v", took, handshakeTimeout)
	}
	poll(t, "the silent client's server ends", func() bool { return e.Stats().Closed == 1 })
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
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	st := openStream(t, qc)
	roundTrip(t, st, "first stream")

	var limit *quic.StreamLimitReachedError
	if _, err := qc.OpenStream(); !errors.As(err, &limit) {
		t.Errorf("opening a second bidirectional stream: %v, want %T", err, limit)
	}
	if _, err := qc.OpenUniStream(); !errors.As(err, &limit) {
		t.Errorf("opening a unidirectional stream: %v, want %T", err, limit)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := qc.OpenStreamSync(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting for credit for a second stream: %v, want none granted", err)
	}
	roundTrip(t, st, "first stream still served")
}

// A stream that does not start with the preamble fails the handshake, and
// the client's connection is closed with CodeProtocolError.
func TestBadPreamble(t *testing.T) {
	ln := listen(t, quictransport.Config{})
	qc, err := dialQUIC(t, ln.Addr(), quictransport.DefaultALPN)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	st, err := qc.OpenStream()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write([]byte("GET / HTTP/1.1\r\n")); err != nil {
		t.Fatal(err)
	}
	conn, err := ln.Accept(ctx(t))
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	defer conn.Close()
	if err := conn.(core.Handshaker).HandshakeContext(ctx(t)); !errors.Is(err, quictransport.ErrBadPreamble) {
		t.Fatalf("handshake: %v, want ErrBadPreamble", err)
	}
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
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn, err := ln.Accept(ctx(t))
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	defer conn.Close()
	hs := conn.(core.Handshaker)
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := hs.HandshakeContext(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("handshake with no stream: %v, want context.DeadlineExceeded", err)
	}
	st := openStream(t, qc)
	if err := hs.HandshakeContext(ctx(t)); err != nil {
		t.Fatalf("handshake once the stream is open: %v", err)
	}
	if _, err := st.Write([]byte("after")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	_ = conn.SetReadDeadline(time.Now().Add(patience))
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "after" {
		t.Fatalf("server read %q, %v; want \"after\" without the preamble", buf, err)
	}
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
		if err != nil {
			t.Fatalf("%s dial: %v", name, err)
		}
		st := openStream(t, qc)
		roundTrip(t, st, name)
		state := qc.ConnectionState()
		info := <-infos
		if state.Used0RTT {
			t.Errorf("%s connection: the client used 0-RTT", name)
		}
		if i == 1 && !info.TLS.DidResume {
			t.Fatalf("the second connection did not resume the session: the test proves nothing")
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

	if err := ln.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := ln.Accept(ctx(t)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
	}
	if err := ln.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	start := time.Now()
	_, err := quictransport.Dial(ctx(t), addr, certs(t).client)
	var te *quic.TransportError
	if !errors.As(err, &te) || te.ErrorCode != quic.ConnectionRefused {
		t.Errorf("dialing a closed listener: %v, want CONNECTION_REFUSED", err)
	}
	if took := time.Since(start); took > patience/2 {
		t.Errorf("the refusal took %v", took)
	}

	roundTripConn(t, cl, srv, "client to server after Close")
	roundTripConn(t, srv, cl, "server to client after Close")
	if _, err := net.ListenPacket("udp", addr); err == nil {
		t.Fatal("the socket was released while a connection still uses it")
	}
	_ = cl.Close()
	_ = srv.Close()
	poll(t, "the socket is released", func() bool {
		pc, err := net.ListenPacket("udp", addr)
		if err == nil {
			_ = pc.Close()
		}
		return err == nil
	})
}

// A listener with no connection releases its socket when Close returns.
func TestListenerCloseReleasesSocket(t *testing.T) {
	ln := listen(t, quictransport.Config{})
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("binding the listener's address after Close: %v", err)
	}
	_ = pc.Close()
}

// roundTripConn writes msg on from and reads it on to.
func roundTripConn(t testing.TB, from, to net.Conn, msg string) {
	t.Helper()
	if _, err := io.WriteString(from, msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(to, buf); err != nil || string(buf) != msg {
		t.Fatalf("read %q, %v; want %q", buf, err, msg)
	}
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
			if err := <-errc; err != nil {
				t.Errorf("write and close: %v", err)
			}
		})
	}
}

// A server's Close keeps the connection for at most Config.Linger when the
// client neither reads nor closes.
func TestLingerIsBounded(t *testing.T) {
	const linger = 500 * time.Millisecond
	ln := listen(t, quictransport.Config{Linger: linger})
	qc, err := dialQUIC(t, ln.Addr(), quictransport.DefaultALPN)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	openStream(t, qc)
	conn, err := ln.Accept(ctx(t))
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	if err := conn.(core.Handshaker).HandshakeContext(ctx(t)); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if _, err := conn.Write([]byte("unread")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := conn.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
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
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read after Close: %v, want net.ErrClosed", err)
	}
	if err := conn.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("a second Close: %v, want net.ErrClosed", err)
	}
}

// Dialing a port where nothing listens fails at once, as with TCP, rather
// than after quic-go's handshake timeout: Dial's connected socket hears the
// ICMP port unreachable.
func TestDialClosedPort(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	_ = pc.Close()
	start := time.Now()
	c, err := quictransport.Dial(ctx(t), addr, certs(t).client)
	if err == nil {
		_ = c.Close()
		t.Fatal("Dial to a closed port succeeded")
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Dial to a closed port: %v, want ECONNREFUSED", err)
	}
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
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	conf := certs(t).client.Clone()
	conf.NextProtos = []string{"echo/1"}
	c, err := quictransport.Dial(ctx(t), e.Addr().String(), conf)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(patience))
	roundTrip(t, c, "via Transport")
	if _, err := (quictransport.Transport{}).Listen(ctx(t), "127.0.0.1:0"); err == nil {
		t.Error("a Transport without TLSConfig listened")
	}
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
	if err != nil {
		t.Fatal(err)
	}
	expired, err := pki.issueClient("expired client", time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][]byte{[]byte("not quic at all"), bytes.Repeat([]byte{0xc3}, 1200)} {
		if _, err := junk.Write(p); err != nil {
			t.Fatal(err)
		}
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
	poll(t, "every failed handshake is logged", func() bool {
		return strings.Count(logs.String(), "ended before it was accepted") >= want
	})
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !strings.Contains(line, "level=DEBUG") || !strings.Contains(line, "remote=127.0.0.1:") || !strings.Contains(line, "err=") {
			t.Errorf("log line without level DEBUG, remote address or reason: %s", line)
		}
	}
	if st := e.Stats(); st.Accepted != 1 {
		t.Errorf("%d connections accepted, want only the good client's", st.Accepted)
	}
	t.Logf("logs:\n%s", logs)
}

// vanishing starts a QUIC handshake with addr and vanishes after its first
// packet: every later datagram it would send is dropped, and it gives up.
func vanishing(t *testing.T, addr net.Addr) {
	t.Helper()
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
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
