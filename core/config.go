package core

import (
	"log/slog"
	"time"
)

// Defaults for the zero Config.
const (
	DefaultAcceptors        = 8
	DefaultReadBufferSize   = 4096
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultMailboxSize      = 1024
	DefaultLinger           = 500 * time.Millisecond
	DefaultHibernateAfter   = time.Second
)

// Config configures an [Endpoint] and its servers. The zero value is useful:
// every field has a sensible default. Fields marked "endpoint" are ignored by
// a [Server] made with NewServer.
type Config struct {
	// Acceptors is how many governors the endpoint runs, that is how many
	// servers wait in accept at any moment (rule E1). Default 8: accepts on one
	// listening socket take turns, so more servers waiting add no accepts
	// (see BenchmarkAccept in transports/tcp), only goroutines that the
	// garbage collector scans in every cycle.
	// (endpoint)
	Acceptors int

	// MaxConns limits how many connections are served at once (rule E5);
	// 0 means no limit. At the limit, accepting pauses until a connection
	// ends, so new clients wait in the listen backlog; with RefuseAtLimit
	// they are accepted and closed at once instead. Change it at run time
	// with Endpoint.SetMaxConns. (endpoint)
	MaxConns int

	// RefuseAtLimit makes the endpoint close new connections at once while
	// it is at MaxConns, rather than pause accepting. (endpoint)
	RefuseAtLimit bool

	// Framer cuts the input into the frames that Handler.Packet receives.
	// When nil, the endpoint uses the app's framer if the App has a method
	// Framer() Framer, and Raw() otherwise.
	Framer Framer

	// ReadBufferSize is the initial size of each connection's read buffer,
	// drawn from a pool when the connection is accepted and returned when
	// it ends. The buffer grows when a framer needs a longer frame.
	// Default 4096.
	ReadBufferSize int

	// WriteTimeout bounds each write to a connection; a client that does
	// not read for that long (or up to an eighth less: the deadline is
	// moved only once an eighth of it has passed) has its connection
	// closed. 0 means no bound. Server.SetWriteTimeout and
	// Server.SetWriteDeadline change it for one connection.
	WriteTimeout time.Duration

	// HandshakeTimeout bounds the handshake of transports that have one
	// (rule T3). Default 10s.
	HandshakeTimeout time.Duration

	// MailboxSize bounds how many messages sent with Server.Send may wait
	// for the handler; past it Send fails with ErrMailboxFull.
	// Default 1024.
	MailboxSize int

	// Linger is how long a server waits, after a close action, for the
	// peer to close its side before closing the socket, so that the last
	// bytes sent are not lost to a TCP reset when the peer has sent data
	// the server did not read. Default 500ms; negative closes at once.
	Linger time.Duration

	// HibernateAfter is how long a connection may move no byte before its
	// server hibernates: it gives up its goroutine, and with it the
	// goroutine's stack, while the endpoint watches the socket in a poller
	// of its own; input, a message, the action's timeout or Close bring it
	// back on a new goroutine. Callbacks see no difference. The endpoint
	// looks for idle connections every HibernateAfter, so a connection
	// hibernates between one and two of them after its last byte. Only
	// connections read through a RawReader (TCP and Unix sockets) hibernate,
	// and only on Linux. Waking adds a few tens of microseconds to the
	// first packet after the sleep (BenchmarkHibernateWake measures it);
	// a server that must answer that packet as fast as any other sets a
	// longer HibernateAfter, or a negative one. Default 1s; negative never
	// hibernates. (endpoint)
	HibernateAfter time.Duration

	// EventLoop serves connections from the endpoint's event loops, one
	// per GOMAXPROCS, as gnet does, rather than from a goroutine each:
	// a loop waits for any of its sockets to have input and runs the
	// handler's callbacks itself, so a round trip costs no goroutine
	// switch and a live connection holds no goroutine between packets.
	//
	// It is for apps whose callbacks never block: a callback that waits
	// (on a lock, a channel, the network, or Server.Read) holds up every
	// connection of its loop until it returns. Messages from Server.Send,
	// the action's timeout and the shutdown notice are delivered by the
	// loop too. What must wait is handed to a goroutine of the
	// connection's own, which gives the connection back to its loop at
	// its next wait for input: a write the peer is too slow to take, the
	// lingering close after a close action, and the end of the
	// connection. The lifecycle rules hold as without it.
	//
	// Only connections read through a RawReader (TCP and Unix sockets)
	// use the loops, and only on Linux; others are served by goroutines
	// as usual, and so is every connection when the loops cannot be
	// made. HibernateAfter does not apply to connections on a loop, which
	// hold no goroutine anyway, and they are not counted in
	// Stats.Hibernating. (endpoint)
	EventLoop bool

	// Logger receives the framework's logs: panics at error level,
	// retried accept errors at warn level, failed handshakes at debug
	// level. Default slog.Default().
	Logger *slog.Logger
}

// framerApp is implemented by apps that know how their input is framed.
type framerApp interface {
	Framer() Framer
}

// withDefaults returns c with its zero fields set to their defaults, and the
// framer chosen for app.
func (c Config) withDefaults(app App) Config {
	if c.Acceptors <= 0 {
		c.Acceptors = DefaultAcceptors
	}
	if c.MaxConns < 0 {
		c.MaxConns = 0
	}
	if c.Framer == nil {
		if fa, ok := app.(framerApp); ok {
			c.Framer = fa.Framer()
		}
		if c.Framer == nil {
			c.Framer = Raw()
		}
	}
	if c.ReadBufferSize <= 0 {
		c.ReadBufferSize = DefaultReadBufferSize
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.MailboxSize <= 0 {
		c.MailboxSize = DefaultMailboxSize
	}
	if c.Linger == 0 {
		c.Linger = DefaultLinger
	}
	if c.HibernateAfter == 0 {
		c.HibernateAfter = DefaultHibernateAfter
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
