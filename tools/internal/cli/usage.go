package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// printServeUsage writes the help of `ace serve`.
func printServeUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  ace serve <app> [flags]

Serves an app until SIGINT or SIGTERM, over TCP or a Unix socket, TLS, or
QUIC (--transport). It logs the address it actually listens on (useful with
port 0):

  level=INFO msg="ace: listening" transport=tcp addr=127.0.0.1:43121 ...

On the first signal it shuts down gracefully: it stops accepting, tells every
live connection (the app says goodbye, echo sends BYE), waits for them to
end, and force-closes those still open after --shutdown-timeout. It then
exits with status 0. A second signal kills it at once. SIGHUP makes it read
its --cert, --key and --client-ca files again. A server that cannot start
(an address in use, a certificate file that does not load) exits with
status 1; a mistake on the command line, with status 2.

Apps:
`)
	for _, spec := range apps {
		fmt.Fprintf(w, "  %-8s %s\n", spec.name, spec.summary)
	}
	fmt.Fprint(w, "\nFlags of every app:\n")
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	new(serveFlags).register(fs)
	printFlags(w, fs, nil)
	fmt.Fprint(w, transportHelp)
	fmt.Fprint(w, "\nRun 'ace serve <app> --help' for the app's own flags.\n")
}

// printAppUsage writes the help of `ace serve <app>`.
func printAppUsage(w io.Writer, spec appSpec) {
	fmt.Fprintf(w, "Usage:\n  ace serve %s [flags]\n\n%s\n", spec.name, spec.doc)

	common := flag.NewFlagSet("serve", flag.ContinueOnError)
	new(serveFlags).register(common)
	all := flag.NewFlagSet(spec.name, flag.ContinueOnError)
	new(serveFlags).register(all)
	spec.flags(all)

	fmt.Fprint(w, "\nServer flags:\n")
	printFlags(w, common, nil)
	fmt.Fprintf(w, "\nFlags of %s:\n", spec.name)
	printFlags(w, all, func(f *flag.Flag) bool { return common.Lookup(f.Name) == nil })
	fmt.Fprint(w, transportHelp)
	fmt.Fprint(w, debugHelp)
}

// transportHelp explains the transports and their certificates.
const transportHelp = `
Transports (--transport):
  tcp   plain TCP on host:port, or a Unix socket with --listen unix:/path
  tls   TLS (1.2 and 1.3) over TCP or a Unix socket; the handshake runs in
        the server that took the connection, bounded by --handshake-timeout
  quic  QUIC on a UDP host:port, one server per QUIC connection serving its
        first stream; a client sends the byte 0xAC first on that stream
        (package quictransport's Dial does); ALPN "ace" unless --alpn
Certificates, for tls and quic:
  --cert FILE --key FILE   serve these PEM files; repeat the pair (or give
                           comma-separated lists) to serve several, each
                           client getting the first valid for its SNI name
  neither                  an in-memory self-signed certificate for
                           localhost, 127.0.0.1 and ::1; its SHA-256
                           fingerprint is logged, for clients to pin
  --client-ca FILE         mutual TLS: clients without a certificate signed
                           by a CA in FILE are refused
  SIGHUP                   rereads the --cert, --key and --client-ca files:
                           new handshakes get the new certificates and
                           verify clients against the new CAs, open
                           connections keep theirs; if a file fails to
                           load, the error is logged and the old
                           certificates or CAs stay in service
'ace certs --dir DIR' writes a development CA and certificates to use here.
`

// debugHelp explains --debug-addr; it ends every app's help.
const debugHelp = `
Debug endpoints, served over HTTP on --debug-addr when it is set:
  /debug/vars    expvar JSON; the endpoint's counters are under "ace":
                 accepting, active, accepted, closed, panicked, refused,
                 bytes_in, bytes_out, hibernating
  /debug/pprof/  net/http/pprof profiles (go tool pprof http://ADDR/debug/pprof/heap)
  /metrics       Prometheus text format: ace_accepting, ace_active,
                 ace_hibernating (gauges),
                 ace_accepted_total, ace_closed_total, ace_panicked_total,
                 ace_refused_total, ace_bytes_in_total, ace_bytes_out_total
                 (counters), and the Go runtime's go_* and process_* metrics
`

// printFlags writes the flags of fs that keep accepts (all of them when keep
// is nil), sorted by name, each with its default, in the style of
// flag.PrintDefaults but with the double dash people type.
func printFlags(w io.Writer, fs *flag.FlagSet, keep func(*flag.Flag) bool) {
	fs.VisitAll(func(f *flag.Flag) {
		if keep != nil && !keep(f) {
			return
		}
		arg, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if arg != "" {
			fmt.Fprintf(w, " %s", arg)
		}
		fmt.Fprintf(w, "\n      %s (default %s)\n", strings.ReplaceAll(usage, "\n", "\n      "), defaultText(f))
	})
}

// defaultText renders the default of f: quoted for strings, "none" for an
// empty string.
func defaultText(f *flag.Flag) string {
	if g, ok := f.Value.(flag.Getter); ok {
		if _, ok := g.Get().(string); ok {
			if f.DefValue == "" {
				return "none"
			}
			return fmt.Sprintf("%q", f.DefValue)
		}
	}
	return f.DefValue
}
