package core

import "time"

// The servers' deadlines are kept on the monotonic clock, as nanoseconds
// since epoch. Reading it is one clock reading, where time.Now takes two
// (the wall clock too), and a server reads it after almost every packet:
// to start its action's timeout, and to see whether a write must move the
// write deadline.
var epoch = time.Now()

// monoNow returns the monotonic time, in nanoseconds since epoch.
func monoNow() int64 { return int64(time.Since(epoch)) }

// monoTime returns the time.Time of a monotonic time, for a socket's
// deadline; 0 gives the zero time (no deadline).
func monoTime(m int64) time.Time {
	if m == 0 {
		return time.Time{}
	}
	return epoch.Add(time.Duration(m))
}
