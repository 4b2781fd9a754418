package cli

import (
	"bytes"
	"context"
	"flag"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/echo"
	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run runs the command line args with a context that is already done, so
// that a serve that starts by mistake stops at once.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out, errOut bytes.Buffer
	code = Run(ctx, args, Env{Stdout: &out, Stderr: &errOut})
	return code, out.String(), errOut.String()
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string // every one must appear on stdout
	}{
		{[]string{"help"}, []string{"Usage:", "serve", "help"}},
		{[]string{"-h"}, []string{"Usage:", "serve", "help"}},
		{[]string{"--help"}, []string{"Usage:", "serve", "help"}},
		{[]string{"help", "help"}, []string{"Usage:", "ace <command>"}},
		{[]string{"help", "--help"}, []string{"Usage:", "ace <command>"}},
		{[]string{"serve", "--help"}, []string{"ace serve <app>", "echo", "--listen", "--shutdown-timeout"}},
		{[]string{"serve", "-h"}, []string{"ace serve <app>", "echo"}},
		{[]string{"help", "serve"}, []string{"ace serve <app>", "echo"}},
		{[]string{"serve", "echo", "--help"}, []string{"ace serve echo [flags]", "/broadcast", "/debug/vars", "/metrics"}},
		{[]string{"serve", "echo", "-h"}, []string{"ace serve echo [flags]"}},
		{[]string{"help", "serve", "echo"}, []string{"ace serve echo [flags]"}},
		// Help wins over the other flags, as it does with package flag.
		{[]string{"serve", "echo", "--listen", ":1", "-help"}, []string{"ace serve echo [flags]"}},
		{[]string{"serve", "--help"}, []string{"http1", "--transport", "--cert", "SIGHUP", "ace certs --dir DIR"}},
		{[]string{"serve", "echo", "--help"}, []string{"--transport tcp|tls|quic", "--client-ca", "--alpn", "--handshake-timeout", "self-signed", "SIGHUP"}},
		{[]string{"serve", "http1", "--help"}, []string{"ace serve http1 [flags]", "/echo", "/stream?n=N", "--root", "--header-timeout", "--max-body-bytes", "--transport quic is refused", "--event-loop is refused"}},
		{[]string{"serve", "--help"}, []string{"--event-loop", "event loops"}},
		{[]string{"help", "serve", "http1"}, []string{"ace serve http1 [flags]"}},
		{[]string{"certs", "--help"}, []string{"ace certs --dir DIR", "ca.pem", "--host", "--force"}},
		{[]string{"help", "certs"}, []string{"ace certs --dir DIR"}},
		{[]string{"help"}, []string{"certs", "--transport"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			code, stdout, stderr := run(t, tt.args...)
			assert.Equal(t, ExitOK, code, "exit status")
			assert.Empty(t, stderr)
			for _, w := range tt.want {
				assert.Contains(t, stdout, w)
			}
		})
	}
}

// TestHelpListsEveryFlag checks that the help of every app and of serve
// names every flag the command accepts, each with its default.
func TestHelpListsEveryFlag(t *testing.T) {
	for _, spec := range apps {
		t.Run(spec.name, func(t *testing.T) {
			_, stdout, _ := run(t, "serve", spec.name, "--help")
			fs := flag.NewFlagSet(spec.name, flag.ContinueOnError)
			new(serveFlags).register(fs)
			spec.flags(fs)
			n := 0
			fs.VisitAll(func(f *flag.Flag) {
				n++
				// A flag with an argument names it after a space; a
				// boolean one ends its line.
				i := strings.Index(stdout, "\n  --"+f.Name+" ")
				if i < 0 {
					i = strings.Index(stdout, "\n  --"+f.Name+"\n")
				}
				if i < 0 {
					t.Errorf("help lacks --%s:\n%s", f.Name, stdout)
					return
				}
				// The default closes the flag's entry, before the next one.
				entry := stdout[i+1:]
				if j := strings.Index(entry[2:], "\n  --"); j >= 0 {
					entry = entry[:j+2]
				}
				assert.Contains(t, entry, "(default "+defaultText(f)+")", "help of --%s", f.Name)
			})
			assert.GreaterOrEqual(t, n, 9, "want at least the 9 documented flags")
		})
	}
}

func TestNoArguments(t *testing.T) {
	code, stdout, stderr := run(t)
	assert.Equal(t, ExitUsage, code, "exit status")
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "Usage:")
}

// TestUsageErrors checks that every mistake on the command line is reported
// on exactly one line of stderr, with exit status 2, and starts nothing.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `ace: unknown command "bogus"`},
		{[]string{"-x"}, "ace: flag provided but not defined: --x"},
		{[]string{"help", "bogus"}, `no help for "bogus"`},
		{[]string{"help", "serve", "nope"}, `unknown app "nope"`},
		{[]string{"help", "serve", "echo", "extra"}, "no help for"},
		{[]string{"serve"}, "ace serve: missing app name; the apps are echo, http1"},
		{[]string{"serve", "nope"}, `ace serve: unknown app "nope"`},
		{[]string{"serve", "--listen", ":0", "echo"}, "flags follow it"},
		{[]string{"serve", "echo", "--bogus"}, "ace serve echo: flag provided but not defined: --bogus"},
		{[]string{"serve", "echo", "--listen"}, "flag needs an argument: --listen"},
		{[]string{"serve", "echo", "--acceptors", "many"}, `invalid value "many" for flag --acceptors: want a whole number`},
		{[]string{"serve", "echo", "--acceptors", "0"}, "--acceptors must be at least 1"},
		{[]string{"serve", "echo", "--max-conns", "-1"}, "--max-conns must not be negative"},
		{[]string{"serve", "echo", "--hibernate-after", "-1s"}, "--hibernate-after must not be negative"},
		{[]string{"serve", "echo", "--listen", ""}, "--listen must not be empty"},
		{[]string{"serve", "echo", "--shutdown-timeout", "-1s"}, "--shutdown-timeout must not be negative"},
		{[]string{"serve", "echo", "--shutdown-timeout", "10"}, `invalid value "10" for flag --shutdown-timeout: want a duration such as 500ms, 2s or 1m30s`},
		{[]string{"serve", "echo", "--idle-timeout", "-1s"}, "--idle-timeout must not be negative"},
		{[]string{"serve", "echo", "--max-line", "0"}, "--max-line must be at least 1"},
		{[]string{"serve", "echo", "--mode", "raw", "--greeting", "HI"}, "--greeting applies to line mode only"},
		{[]string{"serve", "echo", "--mode", "raw", "--max-line", "9"}, "--max-line applies to line mode only"},
		{[]string{"serve", "echo", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "echo", "--listen", ":0", "extra"}, `unexpected argument "extra"`},
		{[]string{"-x=1"}, "ace: flag provided but not defined: --x "},
		{[]string{"serve", "echo", "-hibernate-after", "xyz"}, `invalid value "xyz" for flag --hibernate-after: want a duration such as 500ms, 2s or 1m30s`},
		{[]string{"serve", "echo", "--max-conns", "99999999999999999999"}, `invalid value "99999999999999999999" for flag --max-conns: out of range; want a whole number`},
		{[]string{"serve", "echo", "--event-loop=maybe"}, `invalid value "maybe" for flag --event-loop: want true or false`},
		{[]string{"serve", "echo", "--mode", "sideways"}, `invalid value "sideways" for flag --mode: echo: unknown mode "sideways" (want line or raw)`},
		{[]string{"serve", "echo", "--listen", "bogus"}, `invalid address "bogus" for flag --listen: want host:port, such as 127.0.0.1:8080 (port 0 picks a free port), or unix:/path for a Unix socket`},
		{[]string{"serve", "echo", "--listen", "127.0.0.1:"}, `invalid address "127.0.0.1:" for flag --listen: want host:port`},
		{[]string{"serve", "echo", "--listen", "127.0.0.1:65536"}, `invalid address "127.0.0.1:65536" for flag --listen: port 65536 is out of range 0 to 65535`},
		{[]string{"serve", "echo", "--listen", "127.0.0.1:no-such-service"}, `invalid address "127.0.0.1:no-such-service" for flag --listen: unknown port "no-such-service"`},
		{[]string{"serve", "echo", "--listen", "unix:"}, `invalid address "unix:" for flag --listen: no socket path`},
		{[]string{"serve", "echo", "--debug-addr", "unix:/tmp/d.sock"}, `invalid address "unix:/tmp/d.sock" for flag --debug-addr: want host:port, such as 127.0.0.1:8080 (port 0 picks a free port), not a Unix socket`},
		{[]string{"serve", "echo", "--log-level", "LOUD"}, `invalid value "LOUD" for flag --log-level: want DEBUG, INFO, WARN or ERROR`},

		// Transports.
		{[]string{"serve", "echo", "--transport", "sctp"}, `ace serve echo: unknown transport "sctp"; the transports are tcp, tls, quic`},
		{[]string{"serve", "echo", "--cert", "c.pem", "--key", "k.pem"}, "--cert applies to --transport tls and quic only"},
		{[]string{"serve", "echo", "--transport", "tcp", "--client-ca", "ca.pem"}, "--client-ca applies to --transport tls and quic only"},
		{[]string{"serve", "echo", "--alpn", "x"}, "--alpn applies to --transport tls and quic only"},
		{[]string{"serve", "echo", "--handshake-timeout", "1s"}, "--handshake-timeout applies to --transport tls and quic only"},
		{[]string{"serve", "echo", "--transport", "tls", "--cert", "a.pem,b.pem", "--key", "a.key"}, "--cert and --key come in pairs: got 2 --cert and 1 --key"},
		{[]string{"serve", "echo", "--transport", "quic", "--key", "a.key"}, "--cert and --key come in pairs: got 0 --cert and 1 --key"},
		{[]string{"serve", "echo", "--transport", "tls", "--cert", "a.pem,"}, `invalid value "a.pem," for flag --cert: empty value in list`},
		{[]string{"serve", "echo", "--transport", "tls", "--handshake-timeout", "0s"}, "--handshake-timeout must be positive, not 0s"},
		{[]string{"serve", "echo", "--transport", "quic", "--listen", "unix:/tmp/q.sock"}, "--transport quic listens on a UDP host:port, not a Unix socket"},

		// http1.
		{[]string{"serve", "http1", "--transport", "quic"}, "ace serve http1: http1 cannot be served over QUIC: HTTP over QUIC is HTTP/3"},
		{[]string{"serve", "http1", "--event-loop"}, "ace serve http1: http1 cannot be served with --event-loop: its net/http Handlers may block"},
		{[]string{"serve", "http1", "--event-loop=false", "--event-loop"}, "http1 cannot be served with --event-loop"},
		{[]string{"serve", "http1", "--transport", "tls", "--alpn", "http/1.1,h2"}, `http1 speaks HTTP/1.x only: --alpn may list http/1.1 and http/1.0, not "h2"`},
		{[]string{"serve", "http1", "--header-timeout", "-1s"}, "--header-timeout must not be negative"},
		{[]string{"serve", "http1", "--body-read-timeout", "-1s"}, "--body-read-timeout must not be negative"},
		{[]string{"serve", "http1", "--idle-timeout", "-5s"}, "--idle-timeout must not be negative"},
		{[]string{"serve", "http1", "--write-timeout", "-1ms"}, "--write-timeout must not be negative"},
		{[]string{"serve", "http1", "--max-header-bytes", "0"}, "--max-header-bytes must be at least 1"},
		{[]string{"serve", "http1", "--max-request-line-bytes", "0"}, "--max-request-line-bytes must be at least 1"},
		{[]string{"serve", "http1", "--max-request-line-bytes", "2000", "--max-header-bytes", "1000"}, "--max-request-line-bytes (2000) must not exceed --max-header-bytes (1000)"},
		{[]string{"serve", "http1", "--max-body-bytes", "-1"}, "--max-body-bytes must not be negative"},
		{[]string{"serve", "http1", "--root", "no-such-dir"}, "--root: stat no-such-dir: no such file or directory"},
		{[]string{"serve", "http1", "--root", "cli.go"}, "--root cli.go is not a directory"},
		{[]string{"serve", "http1", "--greeting", "HI"}, "flag provided but not defined: --greeting"},

		// certs.
		{[]string{"certs"}, "ace certs: missing --dir"},
		{[]string{"certs", "--dir", "x", "extra"}, `ace certs: unexpected argument "extra"`},
		{[]string{"certs", "--bogus"}, "ace certs: flag provided but not defined: --bogus"},
		{[]string{"certs", "--dir", "x", "--host", ""}, "empty value in list"},
		{[]string{"help", "certs", "extra"}, `no help for "certs extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			code, stdout, stderr := run(t, tt.args...)
			assert.Equal(t, ExitUsage, code, "exit status")
			assert.Empty(t, stdout)
			assert.Regexp(t, `^.*\n$`, stderr, "one line")
			assert.Contains(t, stderr, tt.want)
			assert.Regexp(t, `\(run '[a-z0-9 ]+ --help'\)\n$`, stderr, "a pointer to the help")
		})
	}
}

func TestParseServeDefaults(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cfg, code := parseServe(echoSpec, nil, &stdout, &stderr)
	require.Equal(t, -1, code, "parseServe: stderr %q", stderr.String())
	assert.Equal(t, "127.0.0.1:8080", cfg.listen)
	assert.Equal(t, core.DefaultAcceptors, cfg.core.Acceptors)
	assert.Zero(t, cfg.core.MaxConns)
	assert.Equal(t, time.Second, cfg.core.HibernateAfter)
	assert.False(t, cfg.core.EventLoop, "event loop on by default")
	assert.Nil(t, attr(cfg.attrs, "event_loop"), "event_loop attribute without --event-loop")
	assert.Equal(t, 10*time.Second, cfg.shutdownTimeout)
	assert.Empty(t, cfg.debugAddr)
	assert.IsType(t, (*echo.App)(nil), cfg.app)
	assert.Equal(t, "line", attr(cfg.attrs, "mode"))
}

func TestParseServeFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cfg, code := parseServe(echoSpec, []string{
		"--listen", "unix:/tmp/x.sock", "-acceptors=3", "--max-conns", "7",
		"--shutdown-timeout", "250ms", "--debug-addr", "127.0.0.1:0",
		"--mode", "raw", "--idle-timeout", "2s", "--hibernate-after", "0",
		"--event-loop",
	}, &stdout, &stderr)
	require.Equal(t, -1, code, "parseServe: stderr %q", stderr.String())
	assert.Equal(t, "unix:/tmp/x.sock", cfg.listen)
	assert.Equal(t, 3, cfg.core.Acceptors)
	assert.Equal(t, 7, cfg.core.MaxConns)
	assert.Equal(t, 250*time.Millisecond, cfg.shutdownTimeout)
	assert.Equal(t, "127.0.0.1:0", cfg.debugAddr)
	assert.Negative(t, cfg.core.HibernateAfter, "--hibernate-after 0: never")
	assert.True(t, cfg.core.EventLoop)
	assert.Equal(t, true, attr(cfg.attrs, "event_loop"))
	assert.Equal(t, "raw", attr(cfg.attrs, "mode"))
	assert.Equal(t, 2*time.Second, attr(cfg.attrs, "idle_timeout"))
	assert.NotNil(t, cfg.app.(*echo.App).Framer(), "raw app has no framer")
}

// attr returns the value of key in slog-style key-value pairs.
func attr(kv []any, key string) any {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == key {
			return kv[i+1]
		}
	}
	return nil
}

// TestListenFailure checks that an address that cannot be bound is a
// failure (exit status 1), reported in the log with the address and what to
// do about it.
func TestListenFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"serve", "echo", "--listen", ln.Addr().String()}, Env{Stdout: &stdout, Stderr: &stderr})
	assert.Equal(t, ExitFailure, code, "exit status")
	want := `msg="ace: echo failed" err="cannot listen on ` + ln.Addr().String() + ` (--listen): the address is already in use, ` +
		`by another program or another ace; choose another with --listen (port 0 picks a free port)"`
	assert.Contains(t, stderr.String(), want, "the failure logged")
}
