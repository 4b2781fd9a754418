// Package core is the heart of ace: a framework for network servers in which
// an app describes one conversation with one client, and the framework does
// the rest.
//
// # Model
//
// An [App] makes one [Handler] per connection. A [Server] accepts exactly one
// connection from a [Listener] and drives its Handler through four callbacks:
// Connect once, Packet for every frame read, Info for every message sent to
// the server from elsewhere in the program (and for timeouts and the shutdown
// notice), and Disconnect once at the end. Callbacks of one connection never
// run concurrently, and every callback returns an [Action] that says what to
// send, whether to close, and how long to wait for the next event.
//
// An [Endpoint] keeps a pool of governors, each of which keeps one Server
// waiting in accept and starts the next one as soon as its server takes a
// connection. There is no separate acceptor goroutine handing sockets over:
// the server that accepts a connection is the one that serves it, and it is
// the only goroutine that connection costs.
//
// # Hibernation
//
// An idle goroutine still holds its stack, a few KiB, which is most of what
// an idle connection costs. So a server whose connection has moved no byte
// for [Config.HibernateAfter] (1s by default) hibernates, as an Erlang
// process can: its goroutine ends, and the endpoint watches the socket in an
// epoll set of its own, served by one goroutine per endpoint. Input, a
// hang-up, a message from [Server.Send], the shutdown notice, the action's
// timeout or Close bring the server back on a new goroutine that carries on
// where the old one stopped; the handler sees no difference. Only TCP and
// Unix connections (those read through a [RawReader]) hibernate, and only on
// Linux; [Stats].Hibernating counts them. The endpoint looks for idle
// connections every HibernateAfter, so a connection hibernates between one
// and two of them after its last byte. Waking costs the first packet after
// the sleep some latency (BenchmarkHibernateWake, and BENCHMARKS.md): a
// server that must answer it as fast as any other sets a longer
// HibernateAfter, or a negative one to never hibernate.
//
// # Event loops
//
// With [Config.EventLoop], an endpoint serves its TCP and Unix connections
// from event loops, one per GOMAXPROCS, as gnet does: a loop waits for any of
// its sockets to have input and runs the handler's callbacks itself, so a
// live connection holds no goroutine between packets, only between the
// accept and its first wait. It is for apps whose callbacks never block,
// since a callback that waits holds up its loop's other connections. The
// loop also delivers messages and timeouts; what must wait (a write the peer
// is slow to take, the lingering close) is handed to a goroutine of the
// connection's own, which gives it back to the loop at its next wait for
// input. Messages from Server.Send, the action's timeout and the shutdown
// notice are delivered by the loop too. Only connections read through a
// RawReader (TCP and Unix sockets) use the loops, and only on Linux; others
// are served by goroutines as usual, and so is every connection when the
// loops cannot be made. HibernateAfter does not apply to connections on a
// loop, which hold no goroutine anyway, and [Stats].Hibernating does not
// count them. The lifecycle rules hold as without it; the conformance module
// runs its whole suite both ways. docs/event-loops.md says when to use them.
//
// # Lifecycle rules
//
// The numbered lifecycle rules (S1-S12 for a server, G1-G3 for governors,
// E1-E7 for an endpoint, T1-T4 for transports) are what this package
// implements and what the conformance module checks; docs/lifecycle.md
// describes the lifecycle they pin down. Their numbers appear in the doc
// comments below.
//
// # Configuration
//
// [Config], like every ace module's configuration, follows one convention,
// written in docs/configuration.md: the zero value is ready to use, a zero
// field means its default, and a negative duration turns that timeout off.
//
// # Transports
//
// Transports (TCP, TLS, QUIC, in-memory) live in their own modules and
// implement the small [Transport], [Listener] and [Conn] interfaces declared
// here, where they are consumed.
package core
