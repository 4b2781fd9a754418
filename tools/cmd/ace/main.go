// Command ace runs network servers built with the ace framework.
//
// Usage:
//
//	ace serve echo [flags]   serve the echo app until SIGINT or SIGTERM
//	ace help [command]       explain a command and its flags
//
// The first SIGINT or SIGTERM shuts the server down gracefully; a second one
// kills the process at once. Run 'ace help serve echo' for every flag.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ace-go/ace/tools/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default behaviour, so that a
	// second one kills a shutdown that takes too long.
	context.AfterFunc(ctx, stop)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
