package http1

import (
	"net/http"
	"sync/atomic"
	"time"
)

// dateCache holds the current second's Date value (RFC 9110, section
// 6.6.1), formatted once for every connection of the process, or nil when
// it must be formatted again. Reading the clock for every response costs
// more than the rest of a small response's header, so the clock is read
// only when the value is missing, and a timer (not a goroutine: its
// function runs once and ends) removes the value when its second ends. A
// response sent between the end of a second and that timer firing carries
// the second before, late by the timer's latency, as the Date of any
// server that caches it is.
var dateCache atomic.Pointer[[]byte]

// appendDate appends the current time as an HTTP-date.
func appendDate(b []byte) []byte {
	if d := dateCache.Load(); d != nil {
		return append(b, *d...)
	}
	now := time.Now()
	d := now.UTC().AppendFormat(make([]byte, 0, len(http.TimeFormat)), http.TimeFormat)
	if dateCache.CompareAndSwap(nil, &d) {
		// Until reads the clock again: this goroutine may have been
		// held up since now, past the end of that second.
		end := now.Truncate(time.Second).Add(time.Second)
		time.AfterFunc(time.Until(end), func() { dateCache.Store(nil) })
	}
	return append(b, d...)
}
