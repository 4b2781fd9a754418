package cli

import (
	"flag"
	"fmt"
	"log/slog"

	"github.com/ace-go/ace/apps/echo"
	"github.com/ace-go/ace/core"
)

// echoSpec is `ace serve echo`.
var echoSpec = appSpec{
	name:    "echo",
	summary: "line echo (Ace's README app), or RFC 862 byte echo with --mode raw",
	doc: `Serves the echo app (package github.com/ace-go/ace/apps/echo).

Line mode (the default) speaks first and ends its lines with LF; clients may
end theirs with LF or CRLF:
  on connect      the server sends the greeting (WELCOME)
  <line>          ECHO: <line, surrounding space trimmed>
  /broadcast <t>  every other live client receives <t>; the sender gets SENT <n>
  /quit           BYE, then the server closes the connection
  silence         TIMEOUT and close, after --idle-timeout (if set)
  a long line     ERROR line too long and close, past --max-line bytes
  shutdown        every live client receives BYE, then is closed

Raw mode is RFC 862: every byte back unchanged, no greeting, no framing;
an idle or shut-down connection is closed without a word.

The protocol is the same over every transport. Over QUIC a client opens
one bidirectional stream and sends the byte 0xAC before its first line
(package quictransport's Dial does).

Try it:
  ace serve echo --listen 127.0.0.1:8080 &
  nc 127.0.0.1 8080

  ace serve echo --transport tls --listen 127.0.0.1:8443 &
  openssl s_client -connect 127.0.0.1:8443 -quiet`,
	flags: func(fs *flag.FlagSet) func(set map[string]bool, log *slog.Logger) (core.App, []any, error) {
		var cfg echo.Config
		fs.TextVar(&cfg.Mode, "mode", echo.Line,
			"`line|raw`: line speaks the line protocol (greeting, ECHO\n"+
				"replies, /broadcast, /quit); raw is RFC 862, every byte back")
		fs.StringVar(&cfg.Greeting, "greeting", echo.DefaultGreeting,
			"`line` sent to each client on connect, in line mode")
		fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", 0,
			"close a connection whose client sends nothing for this long,\n"+
				"after sending TIMEOUT in line mode; 0 for never")
		fs.IntVar(&cfg.MaxLine, "max-line", core.DefaultMaxLine,
			"longest line accepted, in `bytes`, in line mode; a longer one gets\n"+
				"ERROR line too long and the connection is closed")
		return func(set map[string]bool, _ *slog.Logger) (core.App, []any, error) {
			if cfg.Mode == echo.Raw {
				for _, name := range []string{"greeting", "max-line"} {
					if set[name] {
						return nil, nil, fmt.Errorf("--%s applies to line mode only, not --mode raw", name)
					}
				}
			}
			switch {
			case cfg.IdleTimeout < 0:
				return nil, nil, fmt.Errorf("--idle-timeout must not be negative, not %v", cfg.IdleTimeout)
			case cfg.MaxLine < 1:
				return nil, nil, fmt.Errorf("--max-line must be at least 1, not %d", cfg.MaxLine)
			}
			attrs := []any{"app", "echo", "mode", cfg.Mode.String()}
			if cfg.IdleTimeout > 0 {
				attrs = append(attrs, "idle_timeout", cfg.IdleTimeout)
			}
			return echo.New(cfg), attrs, nil
		}
	},
}
