// Package tlstransport is ace's TLS transport: TLS over any stream transport,
// TCP and Unix domain sockets by default (rules T1-T4 and S3 of the ace
// architecture). It is named tlstransport, not tls, so that it does not clash
// with crypto/tls, which it wraps.
//
// # The model: a decorator, and the handshake in the server
//
// A [Listener] decorates an inner [core.Listener], as crypto/tls.NewListener
// decorates a net.Listener: its Accept takes the inner listener's next
// connection and returns at once a [*Conn] wrapping crypto/tls's server side
// of it. Accept never reads a byte. The handshake runs later, when the ace
// server that took the connection calls [Conn.HandshakeContext] on its own
// goroutine, bounded by core.Config.HandshakeTimeout (10s by default).
//
// Why: an ace endpoint keeps a fixed number of servers waiting in accept,
// and each server serves the one connection it takes. Were the handshake run
// inside Accept, a client that opens a TCP connection and then sends nothing
// would hold an acceptor for as long as it liked, and a handful of such
// clients would stop the endpoint from accepting anyone. Run in the server,
// after its governor has already started the next server (rule G1), the
// same client costs one goroutine and one socket for at most the handshake
// timeout, while accepting carries on (rule T3).
//
// A failed handshake ends the server that ran it, not the endpoint: core logs
// it at debug level, with an error from this package that says what went
// wrong ([ErrHandshakeTimeout], [ErrHandshakeAborted], [ErrNotTLS],
// [ErrClientCertificate]) and wraps crypto/tls's own error.
//
// # Connections
//
// A [*Conn] embeds the *tls.Conn, so it has all of its methods, and adds
// Info. Once the handshake is done, Info reports:
//
//   - Transport "tls" for TLS over TCP, and "tls+" followed by the inner
//     transport's name otherwise, so "tls+unix" over a Unix domain socket:
//     the name says both what protects the bytes and what carries them;
//   - the addresses of the inner connection;
//   - Version, the TLS version's name, such as "TLS 1.3";
//   - TLS, the *tls.ConnectionState: version, cipher suite, the ALPN
//     protocol (NegotiatedProtocol), the SNI server name (ServerName) and,
//     with mutual TLS, the client's certificates (PeerCertificates) and the
//     chains they were verified with (VerifiedChains).
//
// Before the handshake, Info has the transport name and the addresses, and a
// nil TLS.
//
// A Conn keeps net.Conn's contract where a bare tls.Conn does not, so that it
// passes golang.org/x/net/nettest's TestConn: a Write that times out leaves
// the connection usable (crypto/tls would fail every later Write, since a
// sealed record cannot be taken back; Conn sends what the socket did not take
// before anything written later), and Close succeeds once the connection is
// closed, waiting at most 100ms for the close_notify alert.
//
// The client side is the same type: [Dial] connects to an address as
// Transport.Listen takes it and completes the handshake, and [Client] wraps
// a connection of your own.
//
// # Configuration
//
// A [Transport] implements core.Transport: it listens with its Inner
// transport (the zero tcp.Transport when nil, so addresses are "host:port"
// or "unix:/path") and decorates the listener. Its fields cover what a
// server usually needs: certificates chosen by SNI from a [CertStore], ALPN
// protocols, mutual TLS with client CAs from a file (read once, or reloadable
// with [ClientCAs]), and a minimum version (TLS 1.2 by default). Config is the escape hatch: any *tls.Config, to which those
// fields are applied. [NewListener] decorates a listener of your own with a
// *tls.Config of your own.
//
// # Certificates
//
// A [CertStore] serves certificate and key pairs loaded from files, choosing
// by the client's SNI server name, and reloads them from disk on
// [CertStore.Reload] without a restart: new handshakes get the new
// certificates, connections already open are untouched, and a failed reload
// keeps the old ones. [ClientCAs] does the same for the CAs that mutual TLS
// verifies client certificates against: after [ClientCAs.Reload], new
// handshakes verify against the CAs now in the file, and a file that fails
// to load leaves the old ones in service. The ace command reloads both on
// SIGHUP.
//
// For development and tests, [SelfSigned] makes an in-memory self-signed
// certificate for localhost, and [Fingerprint] gives the SHA-256 fingerprint
// by which a client can pin it.
package tlstransport
