// Command ace-http is the harness's Ace HTTP/1.1 server: core's endpoint on
// the TCP transport, serving the http1 app with a plain net/http handler
// that answers "Hello, World!", under net/http's contract (each request gets
// its own *http.Request and ResponseWriter).
//
// Usage:
//
//	ace-http [-port N] [-cpuprofile file] [-memprofile file]
//
// It prints "listening on <addr>" and answers the control commands of
// package serve on its standard input.
package main

import (
	"github.com/ace-go/ace/apps/http1"
	"github.com/ace-go/ace/tools/bench/internal/acehttp"
	"github.com/ace-go/ace/tools/bench/internal/serve"
)

func main() { serve.Main("ace-http", acehttp.Start(http1.Config{})) }
