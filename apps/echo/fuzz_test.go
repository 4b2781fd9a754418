package echo_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ace-go/ace/apps/echo"
	"github.com/ace-go/ace/core"
)

// FuzzLinePacket feeds arbitrary lines to a line-mode handler, as the line
// framer delivers them (no LF), and checks each reply against the protocol,
// restated independently of the implementation.
func FuzzLinePacket(f *testing.F) {
	for _, s := range []string{
		"hello", " hi ", "", "/quit", " /quit\r", "/quit now",
		"/broadcast", "/broadcast x", "/broadcast\tx", "/broadcast  ",
		"/broadcastx", "\x00\xff", "\u00a0/quit\u00a0",
	} {
		f.Add([]byte(s))
	}
	app := echo.New(echo.Config{})
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.IndexByte(line, '\n') >= 0 {
			t.Skip("the line framer never delivers a LF")
		}
		in := string(line) // line may be echoed; keep what was sent
		a := app.NewHandler(core.ConnInfo{}).Packet(line)
		var out []byte
		for _, b := range a.AppendTo(nil) {
			out = append(out, b...)
		}

		trimmed := strings.TrimSpace(in)
		var want string
		switch {
		case trimmed == "/quit":
			want = "BYE\n"
		case strings.HasPrefix(trimmed, "/broadcast ") || strings.HasPrefix(trimmed, "/broadcast\t"):
			want = "SENT 0\n" // nobody else is connected
		default:
			want = "ECHO: " + trimmed + "\n"
		}
		if string(out) != want {
			t.Errorf("line %q: reply %q, want %q", in, out, want)
		}
		if a.Closes() != (want == "BYE\n") {
			t.Errorf("line %q: Closes() = %v", in, a.Closes())
		}
	})
}
