// Package quictransport is ace's QUIC transport, built on quic-go. It
// implements [core.Transport], [core.Listener], [core.Conn] and
// [core.Handshaker], and passes the conformance suite unchanged (rule T4).
//
// # One server per QUIC connection
//
// ace serves one conversation per server; QUIC offers many streams per
// connection. This package maps one QUIC connection to one ace server, which
// serves the connection's first bidirectional stream, opened by the client.
// A QUIC connection is then what a TCP connection is to ace: one client, one
// conversation, and every lifecycle rule keeps its meaning. The server
// accepts once, and "the connection closed" means the QUIC connection
// closed, whichever side closed it. Stats count QUIC connections, and a
// client's TLS identity belongs to its one server. The other mapping, one
// server per stream, would make one peer many conversations that share a
// fate they cannot see: closing one stream would not close the connection,
// closing the connection would end servers that did nothing, and "accepted"
// or "closed" would no longer say which.
//
// Other streams are refused by QUIC's own flow control: a client may open
// exactly one bidirectional stream, whose credit is never given back, and no
// unidirectional stream (the server's quic.Config has MaxIncomingStreams 1,
// RequireStreamCreditRelease and MaxIncomingUniStreams -1). A client's
// quic-go cannot open more (OpenStream fails at once), and a peer that opens
// more anyway breaks the protocol: quic-go closes its connection with a
// STREAM_LIMIT_ERROR. So no stream ever piles up unread, and this costs no
// goroutine: one per connection to refuse streams is not needed. The server
// never opens a stream, and [Dial] lets it open none.
//
// # The stream preamble
//
// A QUIC peer learns of a stream only when a frame arrives on it, and
// quic-go sends no frame for a zero-length write. So a client that opens its
// stream and waits for the server's greeting (rule S4: the server may speak
// first) would never be seen by the server. The client therefore sends one
// byte, [Preamble], before anything else, and the server consumes it while
// it waits for the stream; the app never sees it. A stream that starts with
// another byte fails the handshake with [ErrBadPreamble] and the connection
// is closed with [CodeProtocolError]. [Dial] sends the preamble; a client
// written with quic-go directly opens a stream and writes Preamble first.
//
// # Handshakes
//
// [Listener.Accept] returns a connection as soon as quic-go hands it over,
// that is once its QUIC (TLS 1.3) handshake has completed. That handshake
// runs on quic-go's own goroutines, bounded by Config.HandshakeTimeout
// (idle) and twice that (total), so a client that stalls in it never holds
// up an accept. The returned [*Conn] has no stream yet: its
// HandshakeContext waits for the client's stream and its preamble, and
// core's server calls it on its own goroutine, bounded by
// core.Config.HandshakeTimeout, after its governor has already started the
// next server (rule T3). A client that completes QUIC's handshake but never
// opens a stream thus costs one server for at most that timeout, and core
// logs the failure at debug level. A connection that ends before Accept
// returns it (an untrusted certificate, no common ALPN protocol, a client
// that went silent mid-handshake) never reaches core: the listener logs it
// at debug level on Config.Logger, with quic-go's reason.
//
// ALPN is required by QUIC. The server accepts the protocols of Config.ALPN,
// or of the tls.Config's NextProtos, or [DefaultALPN] ("ace"); a client that
// offers none of them fails the handshake. 0-RTT is off: the listener is a
// plain quic-go listener, which never accepts early data, and there is no
// option to turn it on, since replayable data would reach apps written for
// fresh connections.
//
// [Conn.Info] reports transport "quic", both UDP addresses, the QUIC version
// ("v1") and the TLS state: version, cipher suite, ALPN protocol, SNI server
// name and verified peer certificates.
//
// # Closing
//
// Closing a QUIC connection discards what the peer has not read yet, unlike
// closing a TCP socket, whose kernel keeps sending. So [Conn.Close] ends the
// stream's sending side and keeps the QUIC connection open in the
// background until the peer has had what was sent, at most Config.Linger
// (default 1s): a server's Conn until the client closes the connection, a
// client's Conn until the server's side of the stream has ended. Close
// itself does not wait for the peer. CloseWrite half-closes: the peer reads io.EOF, and
// a peer's half-close reads as io.EOF here.
//
// # The UDP socket
//
// A [Listener] owns its UDP socket (it binds it itself, and gives it to a
// quic.Transport), which carries every connection accepted from it. Close
// stops accepting: handshakes in flight and later clients are refused with
// CONNECTION_REFUSED at once, not left to time out, while the connections
// already accepted carry on (rule E3). The socket is closed, and quic-go's
// goroutines end, when the listener is closed and its last connection has
// ended, at once if there is none. A client [Conn] from Dial has a socket of
// its own, connected to the server, closed with the connection.
package quictransport
