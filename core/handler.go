package core

import "time"

// App makes one [Handler] per connection (rule S11): the handler holds the
// connection's state, so two connections never see each other's.
type App interface {
	// NewHandler returns the handler for a connection that a server has
	// just taken. It runs on that server's goroutine, before Connect.
	NewHandler(info ConnInfo) Handler
}

// AppFunc adapts a function to the [App] interface.
type AppFunc func(info ConnInfo) Handler

// NewHandler calls f(info).
func (f AppFunc) NewHandler(info ConnInfo) Handler { return f(info) }

// Handler is the app's side of one connection. A server calls its methods
// from a single goroutine, one at a time, never concurrently (rule S6).
//
// Every method but Disconnect returns an [Action]: what to send, whether to
// close, and an optional timeout (rule S7).
type Handler interface {
	// Connect runs first, exactly once, when the server has taken the
	// connection and completed any handshake (rule S4). Bytes it sends are
	// the first the client receives. self is the server running this
	// handler; keep it to receive messages from elsewhere (Server.Send).
	Connect(self *Server, info ConnInfo) Action

	// Packet runs for every frame read from the connection (rule S5). The
	// server reads nothing more until it returns. data is only valid until
	// Packet returns, but it may be returned in the Action: the server
	// writes the action before it reuses its buffer.
	Packet(data []byte) Action

	// Info runs for every message sent to the server with Server.Send, in
	// order (rule S6), and for the messages of the framework itself:
	// [Timeout] when an action's timeout expires (rule S7), [Shutdown] when
	// the endpoint shuts down gracefully (rule E4), and [FrameError] when
	// the framer rejects the input (after which the server closes the
	// connection, having sent what the action carries).
	Info(msg any) Action

	// Disconnect runs exactly once when the connection has ended, for
	// whatever reason, if Connect ran (rule S9). reason is nil when the app
	// closed the connection with a close action, io.EOF when the peer
	// closed it, and otherwise the error that ended it (ErrHandlerPanic,
	// ErrForcedClose, a read or write error). The connection is already
	// closed: Disconnect is for releasing the handler's resources.
	Disconnect(reason error)
}

// BaseHandler is a no-op [Handler] to embed, so that an app implements only
// the callbacks it needs. Its Connect, Packet and Info send nothing and keep
// the connection open; its Disconnect does nothing.
type BaseHandler struct{}

// Connect implements [Handler]; it does nothing.
func (BaseHandler) Connect(*Server, ConnInfo) Action { return Continue() }

// Packet implements [Handler]; it does nothing.
func (BaseHandler) Packet([]byte) Action { return Continue() }

// Info implements [Handler]; it does nothing, except that it closes the
// connection when it receives [Shutdown].
func (BaseHandler) Info(msg any) Action {
	if _, ok := msg.(Shutdown); ok {
		return Close()
	}
	return Continue()
}

// Disconnect implements [Handler]; it does nothing.
func (BaseHandler) Disconnect(error) {}

// Timeout is the message Info receives when an action's timeout expired with
// nothing else happening on the connection (rule S7).
type Timeout struct {
	// After is the timeout that expired.
	After time.Duration
}

// Shutdown is the message Info receives when the endpoint shuts down
// gracefully (rule E4). The handler should finish politely and close; after
// Deadline (zero when the shutdown has none) the endpoint force-closes the
// connection.
type Shutdown struct {
	Deadline time.Time
}

// FrameError is the message Info receives when the framer rejects what the
// peer sent, for example a line over the maximum length. The server closes the
// connection after sending what the returned action carries.
type FrameError struct {
	Err error
}

// Error returns the framer's error text.
func (e FrameError) Error() string { return e.Err.Error() }

// Unwrap returns the framer's error.
func (e FrameError) Unwrap() error { return e.Err }
