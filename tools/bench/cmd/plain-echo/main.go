// Command plain-echo is the harness's baseline echo server: the plain Go
// way, one goroutine per connection copying what it reads back to the
// connection (see package plainecho).
//
// Usage:
//
//	plain-echo [-port N] [-cpuprofile file] [-memprofile file]
package main

import (
	"github.com/ace-go/ace/tools/bench/internal/plainecho"
	"github.com/ace-go/ace/tools/bench/internal/serve"
)

func main() { serve.Main("plain-echo", plainecho.Start) }
