// Command ace-echo-loop is ace-echo with core.Config.EventLoop: the endpoint
// serves its connections from event loops, one per GOMAXPROCS (as gnet
// does), rather than from a goroutine each. The echo app in raw mode may run
// on the loops because its callbacks never block: each sends back the bytes
// it was given, or closes.
//
// Usage:
//
//	ace-echo-loop [-port N] [-cpuprofile file] [-memprofile file]
//
// It prints "listening on <addr>" and answers the control commands of
// package serve on its standard input.
package main

import (
	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/tools/bench/internal/aceecho"
	"github.com/ace-go/ace/tools/bench/internal/serve"
)

func main() { serve.Main("ace-echo-loop", aceecho.Start(core.Config{EventLoop: true})) }
