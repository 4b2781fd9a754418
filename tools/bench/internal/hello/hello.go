// Package hello holds the handler every HTTP server of the harness serves.
package hello

import "net/http"

// Body is the fixed 13-byte response body.
var Body = []byte("Hello, World!")

// Handler answers every request with Body. It sets no header itself: the
// server adds Content-Length, and sniffs Content-Type as net/http does.
var Handler http.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	_, _ = w.Write(Body)
})
