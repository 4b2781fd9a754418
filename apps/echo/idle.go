package echo

import (
	"time"

	"github.com/ace-go/ace/core"
)

// idleTimer tracks a connection's idle timeout. Only input from the client
// restarts it: an action taken for anything else (a broadcast received)
// carries the time that remains, so that a client that only listens still
// times out.
type idleTimer struct {
	d  time.Duration // the timeout; 0 for none
	at time.Time     // when it expires
}

// restart returns a with the full timeout, which starts now.
func (t *idleTimer) restart(a core.Action) core.Action {
	if t.d == 0 {
		return a
	}
	t.at = time.Now().Add(t.d)
	return a.WithTimeout(t.d)
}

// keep returns a with the time that remains before the timeout expires.
func (t *idleTimer) keep(a core.Action) core.Action {
	if t.d == 0 {
		return a
	}
	// A timeout of 0 would set none: an expired timer fires at once.
	return a.WithTimeout(max(time.Until(t.at), time.Nanosecond))
}
