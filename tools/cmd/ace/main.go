// Command ace runs network servers built with the ace framework.
//
// Usage:
//
//	ace serve echo [flags]    serve the echo app until SIGINT or SIGTERM
//	ace serve http1 [flags]   serve an HTTP/1.1 demo handler
//	ace certs --dir DIR       write a development CA and certificates
//	ace help [command]        explain a command and its flags
//
// The first SIGINT or SIGTERM shuts the server down gracefully; a second one
// kills the process at once. SIGHUP makes a server read its certificate
// files (--cert, --key) and client CA file (--client-ca) again. Run 'ace help
// serve echo' for every flag.
//
// The exit status is 0 when the command did what it was asked (a server
// that shut down on a signal included), 1 when it failed (an address in
// use, a certificate file that does not load), and 2 for a mistake on the
// command line (an unknown flag, a bad flag value, a malformed --listen
// address), which is reported on one line of stderr.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ace-go/ace/tools/internal/cli"
)

func main() {
	// Ask for SIGHUP first: its default action would end the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default behaviour, so that a
	// second one kills a shutdown that takes too long.
	context.AfterFunc(ctx, stop)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Reload: hup})
	stop()
	os.Exit(code)
}
