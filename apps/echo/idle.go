package echo

import (
	"time"

	"github.com/ace-go/ace/core"
)

// idleTimer tracks a connection's idle timeout. Only input from the client
// restarts it: an action taken for anything else (a broadcast received)
// keeps the timeout running, so that a client that only listens still
// times out.
type idleTimer struct {
	d time.Duration // the timeout; 0 for none
}

// restart returns a with the full timeout, which starts now.
func (t *idleTimer) restart(a core.Action) core.Action {
	if t.d == 0 {
		return a
	}
	return a.WithTimeout(t.d)
}

// keep returns a keeping the timeout that runs, with its deadline.
func (t *idleTimer) keep(a core.Action) core.Action {
	if t.d == 0 {
		return a
	}
	return a.KeepTimeout()
}
