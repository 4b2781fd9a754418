// Package cli implements the ace command: argument parsing, help, the serve
// command that runs an app on a transport until a signal asks it to stop,
// and the certs command that makes development certificates. The command's
// main package only wires [Run] to the process.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit statuses returned by [Run].
const (
	// ExitOK means the command did what it was asked, including a server
	// that shut down on a signal.
	ExitOK = 0
	// ExitFailure means the command failed, for example because it could
	// not listen on the address it was given.
	ExitFailure = 1
	// ExitUsage means the command line was wrong: an unknown command, an
	// unknown flag, a bad flag value (a --listen address that is not
	// host:port or unix:/path, for one), or flags that do not go together.
	ExitUsage = 2
)

// Env connects the command to its process: where its output goes, and the
// signals it reacts to besides the end of Run's context.
type Env struct {
	// Stdout receives help and the output of commands such as certs.
	Stdout io.Writer
	// Stderr receives logs and errors.
	Stderr io.Writer
	// Reload delivers a value each time a server should read its
	// certificate files and client CA file again (the command's main
	// sends SIGHUP there).
	// Nil means never.
	Reload <-chan os.Signal
}

// Run runs the ace command with args, the command line without the program
// name, and returns the process's exit status. Help goes to env.Stdout; logs
// and errors go to env.Stderr. A usage error is reported on one line.
//
// A server started by Run shuts down gracefully when ctx is done, and
// reloads its certificates and client CAs on every value from env.Reload, so
// the caller decides which signals do what.
func Run(ctx context.Context, args []string, env Env) int {
	stdout, stderr := env.Stdout, env.Stderr
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return ExitUsage
	}
	switch cmd, rest := args[0], args[1:]; {
	case isHelpFlag(cmd):
		fmt.Fprint(stdout, mainUsage)
		return ExitOK
	case cmd == "help":
		return runHelp(rest, stdout, stderr)
	case cmd == "serve":
		return runServe(ctx, rest, env)
	case cmd == "certs":
		return runCerts(rest, stdout, stderr)
	case strings.HasPrefix(cmd, "-"):
		return usageErr(stderr, "ace", "flag provided but not defined: --%s", flagName(cmd))
	default:
		return usageErr(stderr, "ace", "unknown command %q", cmd)
	}
}

// runHelp prints the help of the command named by args.
func runHelp(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0, len(args) == 1 && (args[0] == "help" || isHelpFlag(args[0])):
		fmt.Fprint(stdout, mainUsage)
	case args[0] == "certs" && len(args) == 1:
		printCertsUsage(stdout)
	case args[0] == "serve" && len(args) == 1:
		printServeUsage(stdout)
	case args[0] == "serve" && len(args) == 2:
		spec, ok := lookupApp(args[1])
		if !ok {
			return usageErr(stderr, "ace help", "unknown app %q; the apps are %s", args[1], appNames())
		}
		printAppUsage(stdout, spec)
	default:
		return usageErr(stderr, "ace help", "no help for %q", strings.Join(args, " "))
	}
	return ExitOK
}

// isHelpFlag reports whether arg asks for help.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

// usageErr reports a usage error of command on one line of stderr, with a
// pointer to the command's help, and returns ExitUsage.
func usageErr(stderr io.Writer, command, format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	// One line, whatever the message holds.
	msg = strings.Join(strings.Fields(msg), " ")
	fmt.Fprintf(stderr, "%s: %s (run '%s --help')\n", command, msg, command)
	return ExitUsage
}

const mainUsage = `ace runs network servers built with the ace framework: an app says how to
talk to one client, and the framework listens, accepts, serves every
connection on its own goroutine, and shuts down gracefully.

Usage:
  ace <command> [arguments]

Commands:
  serve    serve an app until SIGINT or SIGTERM (ace serve echo, ace serve http1)
           over TCP, TLS or QUIC (--transport)
  certs    write a development CA and certificates for localhost
           (ace certs --dir DIR)
  help     explain a command and its flags (ace help serve echo)

Run 'ace help <command>' or 'ace <command> --help' for more.
`
