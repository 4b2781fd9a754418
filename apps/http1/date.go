package http1

import (
	"net/http"
	"sync/atomic"
	"time"
)

// dateValue is the Date header value of one second.
type dateValue struct {
	sec int64
	b   []byte
}

// dateCache holds the current second's Date value, formatted once per
// second for every connection of the process.
var dateCache atomic.Pointer[dateValue]

// appendDate appends the current time as an HTTP-date (RFC 9110, section
// 5.6.7).
func appendDate(b []byte) []byte {
	now := time.Now()
	d := dateCache.Load()
	if d == nil || d.sec != now.Unix() {
		d = &dateValue{sec: now.Unix(), b: now.UTC().AppendFormat(nil, http.TimeFormat)}
		dateCache.Store(d)
	}
	return append(b, d.b...)
}
