// Package tcp is ace's stream transport over TCP and Unix domain sockets
// (rules T1 and T2 of the ace architecture). It implements [core.Transport],
// [core.Listener] and [core.Conn] on top of package net, adding only what a
// server framework needs: an Accept that honours a context, a listener whose
// Close is idempotent, and connections that describe themselves.
//
// # Addresses
//
// An address is either "host:port" for TCP, where port 0 asks the system for a
// free port (Listener.Addr reports the one it chose), or "unix:" followed by a
// path for a Unix domain socket, such as "unix:/run/app.sock". On Linux,
// "unix:@name" names a socket in the abstract namespace, which has no file.
//
// A Unix socket file is handled the way a server operator expects: a stale
// socket file left behind by a process that died is replaced, but only if it
// is a socket and nothing accepts connections on it; any other kind of file
// at the path is never touched, and Listen fails with [ErrNotSocket]. Close
// removes the socket file.
//
// # Accepting
//
// [Listener.Accept] may be called from many goroutines at once (an ace
// endpoint keeps one server blocked in it per governor) and returns early
// with ctx.Err() when its own ctx is done, without disturbing the other
// callers and without starting a goroutine per call: a canceled call briefly
// sets a deadline in the past on the shared socket, every blocked caller
// wakes, and those whose ctx is still live wait until the canceled ones have
// left, then go back to accepting. A connection taken at the moment ctx is
// canceled is returned, never dropped.
//
// Accept does not retry errors: once the listener is closed it returns an
// error that wraps [net.ErrClosed], and temporary errors (EMFILE, ENFILE,
// ENOBUFS, ENOMEM) are returned as they come, because the endpoint that calls
// it retries them with backoff (rule E6). Package net already retries
// ECONNABORTED, a client that gave up before it was accepted.
//
// # Connections
//
// A TCP connection is a [*Conn], a Unix one a [*UnixConn]. Each embeds the
// concrete connection of package net ([*net.TCPConn], [*net.UnixConn]), so
// it has all of its methods (half-close with CloseWrite, socket options,
// splice and sendfile through ReadFrom and WriteTo) and, what matters most to
// ace, its vectored write: [net.Buffers.WriteTo] on a Conn is one writev
// system call. NetConn returns the underlying connection; Info describes it.
//
// # Options
//
// The zero [Transport] listens the way package net does: TCP keep-alive on
// with Go's defaults and TCP_NODELAY set (Nagle's algorithm off). Its fields
// turn on SO_REUSEPORT, tune keep-alive, or bring Nagle's algorithm back.
package tcp
