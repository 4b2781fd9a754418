package core

import (
	"log/slog"
	"time"
)

// Defaults for the zero Config.
const (
	DefaultAcceptors        = 8
	DefaultReadBufferSize   = 4096
	DefaultWriteTimeout     = 30 * time.Second
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultMailboxSize      = 1024
	DefaultLinger           = 500 * time.Millisecond
	DefaultHibernateAfter   = time.Second
)

// Config configures an [Endpoint] and its servers. It follows the
// configuration convention of every ace module (docs/configuration.md): the
// zero value is ready to use, a zero field means its default, and a negative
// duration turns that timeout off. Fields marked (endpoint) are ignored by a
// [Server] made with NewServer.
type Config struct {
	// Acceptors is how many governors the endpoint runs, that is how many
	// servers wait in accept at any moment (rule E1). Default 8.
	// (endpoint)
	Acceptors int

	// MaxConns limits how many connections are served at once (rule E5).
	// At the limit, accepting pauses until a connection ends. Default 0:
	// no limit. Endpoint.SetMaxConns changes it at run time. (endpoint)
	MaxConns int

	// RefuseAtLimit makes the endpoint accept and close new connections
	// while it is at MaxConns, rather than pause accepting. (endpoint)
	RefuseAtLimit bool

	// Framer cuts the input into the frames that Handler.Packet receives.
	// Default: the app's own, if the App has a method Framer() Framer, and
	// Raw() otherwise.
	Framer Framer

	// ReadBufferSize is the initial size of each connection's read buffer,
	// which grows when a framer needs a longer frame. Default 4096.
	ReadBufferSize int

	// WriteTimeout bounds each write to a connection: a client that does
	// not read for that long has its connection closed. Default 30s;
	// negative means no bound. Server.SetWriteTimeout replaces it for one
	// connection.
	WriteTimeout time.Duration

	// HandshakeTimeout bounds the handshake of transports that have one
	// (rule T3). Default 10s; negative means no bound.
	HandshakeTimeout time.Duration

	// MailboxSize bounds how many messages sent with Server.Send may wait
	// for the handler; past it Send fails with ErrMailboxFull.
	// Default 1024.
	MailboxSize int

	// Linger is how long a server waits, after a close action, for the
	// peer to close its side first, so that unread input does not turn
	// the close into a reset that loses the last bytes sent. Default
	// 500ms; negative closes at once.
	Linger time.Duration

	// HibernateAfter is how long a connection may move no byte before its
	// server gives up its goroutine until the next event (see the package
	// documentation, Hibernation). Default 1s; negative never hibernates.
	// (endpoint)
	HibernateAfter time.Duration

	// EventLoop serves connections from event loops, one per GOMAXPROCS,
	// rather than from a goroutine each. It is for apps whose callbacks
	// never block (see the package documentation, Event loops). Default
	// false. (endpoint)
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

// withDefaults returns c with its zero fields set to their defaults, its
// disabled timeouts set to 0 (none), and the framer chosen for app.
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
	c.WriteTimeout = timeout(c.WriteTimeout, DefaultWriteTimeout)
	c.HandshakeTimeout = timeout(c.HandshakeTimeout, DefaultHandshakeTimeout)
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

// timeout applies the convention for timeouts: def for 0, 0 (none) for a
// negative d, and d otherwise.
func timeout(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}
