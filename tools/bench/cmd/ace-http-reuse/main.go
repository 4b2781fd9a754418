// Command ace-http-reuse is ace-http with http1.Config.ReuseRequests: the
// server reuses the *http.Request, its header map, URL and context, and the
// ResponseWriter for later requests, since the handler promises to keep
// none of them past its return (fasthttp's contract). The handler, which
// answers "Hello, World!", keeps nothing.
//
// Usage:
//
//	ace-http-reuse [-port N] [-cpuprofile file] [-memprofile file]
//
// It prints "listening on <addr>" and answers the control commands of
// package serve on its standard input.
package main

import (
	"github.com/ace-go/ace/apps/http1"
	"github.com/ace-go/ace/tools/bench/internal/acehttp"
	"github.com/ace-go/ace/tools/bench/internal/serve"
)

func main() { serve.Main("ace-http-reuse", acehttp.Start(http1.Config{ReuseRequests: true})) }
