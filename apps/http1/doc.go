// Package http1 is an HTTP/1.1 server (RFC 9110, RFC 9112) as an ace app: it
// serves any net/http Handler, so existing routers and middleware
// (http.ServeMux patterns, chi, gorilla, http.FileServer) run unchanged, over
// any stream transport, with ace's lifecycle, stats, limits and graceful
// shutdown.
//
//	app := http1.New(mux, http1.Config{})
//	ep, err := core.Listen(ctx, tcp.Transport{}, "127.0.0.1:8080", app, core.Config{})
//
// # Pull handlers on a push framework
//
// A net/http Handler pulls: it reads its request body when it wants to, and
// blocks until the bytes arrive. An ace server pushes: it reads the socket
// and calls the app's Packet callback with what arrived. The two meet without
// a goroutine hand-off and without buffering bodies:
//
//   - The handler runs synchronously inside Packet, on the connection's own
//     server goroutine. There is one goroutine per connection, as for any
//     ace app, and none per request or per packet.
//   - Packet parses the request's header section from the bytes received
//     (keeping, between packets, only an incomplete header section, bounded
//     by the header limits). The request's Body then pulls the rest of the
//     body on demand with core.Server.Read, which reads the socket directly
//     on the same goroutine, into the handler's own slice: an upload streams
//     through, at the pace the handler reads it, however large it is. Only
//     the framing of a chunked body goes through a small buffer.
//   - Because nothing is read before the handler asks, Expect: 100-continue
//     works as RFC 9110 means it: "100 Continue" is sent when the handler
//     first reads the body, and never if it answers without reading.
//   - The ResponseWriter gathers the response in a pooled buffer and writes
//     it with core.Server.Write: at the end of the handler, when it outgrows
//     the buffer, or when the handler flushes. A body that ends within the
//     buffer gets a Content-Length; a longer one is sent chunked (or, to an
//     HTTP/1.0 client, delimited by closing the connection).
//   - Hijack detaches the connection from its server with
//     core.Server.Detach; the server then ends cleanly and the handler owns
//     the connection.
//   - Per request, the server allocates only what net/http lets a handler
//     keep after it returns: its Header map, one struct holding the
//     *http.Request, URL, context and first header values (allocated
//     several at a time: a request kept past its handler keeps its slab
//     alive, and what the slab's other requests refer to), and the header
//     section as one string, which pipelined requests share. The state of
//     the request's body and of the response writer comes from a pool: the
//     Body and the ResponseWriter are handles to it that fail once their
//     handler has returned. BENCHMARKS.md, at the repository's root, has
//     what a request allocates and what that costs.
//   - With Config.ReuseRequests, for handlers that keep nothing of a
//     request past their return (fasthttp's contract), the Request, its
//     Header map, URL and context are reused too, and a request allocates
//     only its header section's string.
//
// While a handler runs, the server reads nothing that the handler did not ask
// for: that is ace's backpressure, and it bounds the read-ahead of pipelined
// requests to one read of the server's buffer (core.Config.ReadBufferSize).
// Requests that arrive together are answered in order, one after the other,
// and their responses leave in one write unless a handler flushes.
//
// # Strictness
//
// Requests are parsed by the letter of RFC 9112, because a lenient parser
// behind a proxy that parses differently is how requests are smuggled. Every
// line ends in CRLF; field names and values are checked with
// golang.org/x/net/http/httpguts; obsolete line folding, whitespace before a
// colon, bare CR and NUL are rejected; so are a missing, repeated or invalid
// Host, an invalid or conflicting Content-Length, a Transfer-Encoding whose
// final coding is not chunked, and Content-Length with Transfer-Encoding. A
// rejected request is answered with the status RFC 9110 names (400, 408,
// 413, 414, 417, 431, 501 or 505), and the connection is closed after it.
//
// # Timeouts and shutdown
//
// The header timeout runs from the first byte of a request and is not
// extended by trickled bytes, so clients sending a byte at a time (slowloris)
// cost one connection each for at most that long, and never hold up other
// connections, which have servers of their own. The idle timeout bounds the
// wait between keep-alive requests; body reads and writes have timeouts of
// their own, which http.ResponseController can change per request.
//
// When the endpoint shuts down gracefully (core.Endpoint.Shutdown), idle
// connections close at once and a request in progress is answered with
// "Connection: close". A handler that streams for long can poll
// [ShuttingDown] to end early.
//
// # The request context
//
// The request context is cancelled when the handler returns, when a read or
// write on the connection fails, when a shutdown force-closes the
// connection, and, as net/http's is, when the client closes or half-closes
// the connection while the handler runs: a handler waiting on a slow query
// with r.Context() learns that nobody waits for the answer any more. The
// server watches for the client's hang-up only once someone waits for the
// context (its Done, Err or AfterFunc, which contexts derived from it call),
// so a handler that never looks costs nothing for it; and only when nothing
// is left to read for the request: a body the handler has not read to its
// end, or a request pipelined behind this one, keeps the hang-up unseen, as
// in net/http.
//
// # Differences from net/http
//
// The client's hang-up is watched for by peeking at the socket (see
// core.Server.WatchHangup), on TCP and Unix sockets, and over TLS on TCP on
// Linux. Under TLS the watch cannot read the records that arrive, so the
// end of the client's stream counts even behind records it sent first (a
// request pipelined after the one being served, say, which net/http would
// take for a sign of life). Elsewhere (TLS on other systems or on Unix
// sockets) the context learns of the hang-up when a read or write fails.
package http1
