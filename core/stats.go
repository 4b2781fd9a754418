package core

import "sync/atomic"

// Stats is a snapshot of an endpoint's counters (rule E7). Reading it costs a
// handful of atomic loads, so it is cheap enough to read often.
type Stats struct {
	// Accepting is how many servers wait in accept right now.
	Accepting int64 `json:"accepting"`
	// Active is how many connections are being served right now.
	Active int64 `json:"active"`
	// Accepted counts connections taken since the endpoint started.
	Accepted uint64 `json:"accepted"`
	// Closed counts connections that have ended.
	Closed uint64 `json:"closed"`
	// Panicked counts connections ended by a panic in a callback.
	Panicked uint64 `json:"panicked"`
	// Refused counts connections closed at once because the endpoint was
	// at its connection limit with Config.RefuseAtLimit set.
	Refused uint64 `json:"refused"`
	// BytesIn and BytesOut count bytes read from and written to every
	// connection.
	BytesIn  uint64 `json:"bytes_in"`
	BytesOut uint64 `json:"bytes_out"`
	// Hibernating is how many of the Active connections are idle with no
	// goroutine of their own right now (see Config.HibernateAfter).
	// Connections on event loops (Config.EventLoop), which hold none
	// between packets, are not counted.
	Hibernating int64 `json:"hibernating"`
}

// counters are the live, atomically updated values behind Stats. Each sits on
// its own cache line so that servers on different cores do not contend.
type counters struct {
	accepting   atomic.Int64
	_           [56]byte
	active      atomic.Int64
	_           [56]byte
	accepted    atomic.Uint64
	_           [56]byte
	closed      atomic.Uint64
	_           [56]byte
	panicked    atomic.Uint64
	_           [56]byte
	refused     atomic.Uint64
	_           [56]byte
	bytesIn     atomic.Uint64
	_           [56]byte
	bytesOut    atomic.Uint64
	_           [56]byte
	hibernating atomic.Int64
	_           [56]byte
}

func (c *counters) snapshot() Stats {
	return Stats{
		Accepting:   c.accepting.Load(),
		Active:      c.active.Load(),
		Accepted:    c.accepted.Load(),
		Closed:      c.closed.Load(),
		Panicked:    c.panicked.Load(),
		Refused:     c.refused.Load(),
		BytesIn:     c.bytesIn.Load(),
		BytesOut:    c.bytesOut.Load(),
		Hibernating: c.hibernating.Load(),
	}
}
