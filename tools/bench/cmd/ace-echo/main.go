// Command ace-echo is the harness's Ace echo server: core's endpoint on the
// TCP transport, serving the echo app in raw mode (RFC 862), a goroutine per
// connection.
//
// Usage:
//
//	ace-echo [-port N] [-cpuprofile file] [-memprofile file]
//
// It prints "listening on <addr>" and answers the control commands of
// package serve on its standard input.
package main

import (
	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/tools/bench/internal/aceecho"
	"github.com/ace-go/ace/tools/bench/internal/serve"
)

func main() { serve.Main("ace-echo", aceecho.Start(core.Config{})) }
