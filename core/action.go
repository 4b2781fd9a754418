package core

import "time"

// inlineBufs is how many byte slices an Action carries without allocating.
const inlineBufs = 4

// Action is what a callback asks the server to do next: send zero or more
// byte slices (written together, with one vectored write where the transport
// supports it), optionally close the connection afterwards (rule S8), and
// optionally wait at most a timeout for the next event (rule S7).
//
// The zero Action sends nothing, keeps the connection open and sets no
// timeout. Build actions with [Send], [Continue] and [Close]; they carry up to
// four slices without allocating.
type Action struct {
	bufs    [inlineBufs][]byte
	extra   [][]byte
	n       int
	close   bool
	keep    bool // keep the timeout in force
	timeout time.Duration
}

// Send returns an action that writes data, in order, and keeps the
// connection open. Empty slices are skipped.
func Send(data ...[]byte) Action {
	var a Action
	a.add(data)
	return a
}

// Continue returns an action that sends nothing and keeps the connection
// open. It is the zero Action.
func Continue() Action { return Action{} }

// Close returns an action that writes data, then closes the connection; the
// server then ends (rule S8).
func Close(data ...[]byte) Action {
	a := Action{close: true}
	a.add(data)
	return a
}

// WithTimeout returns a copy of a that asks the server to deliver [Timeout] to
// the handler's Info if nothing else happens on the connection within d
// (rule S7): no packet, no message. Every callback result replaces the timeout
// in force, so a later result without one cancels it, unless it keeps it
// with [Action.KeepTimeout]. d <= 0 sets none.
func (a Action) WithTimeout(d time.Duration) Action {
	a.timeout, a.keep = d, false
	return a
}

// KeepTimeout returns a copy of a that carries the timeout in force, set by
// an earlier result, unchanged: it still expires when it would have,
// however much happened since, rather than starting again or being
// cancelled. It makes a deadline of a timeout, one for a whole exchange of
// several packets (an HTTP server's header timeout, say), and it costs no
// clock reading. When no timeout is in force, it sets none. A later
// WithTimeout replaces it.
func (a Action) KeepTimeout() Action {
	a.timeout, a.keep = 0, true
	return a
}

// KeepsTimeout reports whether the action keeps the timeout in force.
func (a Action) KeepsTimeout() bool { return a.keep }

// Timeout reports the action's timeout, or 0 if it sets none.
func (a Action) Timeout() time.Duration { return a.timeout }

// Closes reports whether the action closes the connection.
func (a Action) Closes() bool { return a.close }

// Len reports how many bytes the action sends.
func (a Action) Len() int {
	n := 0
	for _, b := range a.bufs[:a.n] {
		n += len(b)
	}
	for _, b := range a.extra {
		n += len(b)
	}
	return n
}

// AppendTo appends the slices the action sends to bufs and returns the result.
func (a Action) AppendTo(bufs [][]byte) [][]byte {
	bufs = append(bufs, a.bufs[:a.n]...)
	return append(bufs, a.extra...)
}

func (a *Action) add(data [][]byte) {
	for _, b := range data {
		if len(b) == 0 {
			continue
		}
		if a.n < inlineBufs {
			a.bufs[a.n] = b
			a.n++
			continue
		}
		a.extra = append(a.extra, b)
	}
}
