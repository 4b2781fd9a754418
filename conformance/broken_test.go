package conformance_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/conformance"
	"github.com/ace-go/ace/conformance/memory"
	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
)

// The suite must be able to fail. TestBrokenTransportsFail runs this test
// binary again, running only TestBrokenHelper, which runs rules of the suite
// against a deliberately broken transport named by brokenEnv, and checks
// that the child fails and names the broken rule.

const brokenEnv = "ACE_CONFORMANCE_BROKEN"

// brokenTransports wrap memory listeners to break one rule each.
var brokenTransports = map[string]func(*memory.Listener) core.Listener{
	// Sound: the control, which must pass.
	"sound": func(l *memory.Listener) core.Listener { return l },
	// Close does not unblock Accept (T1).
	"stuck-accept": func(l *memory.Listener) core.Listener { return stuckListener{l} },
	// Every accepted connection leaves a goroutine behind (S10).
	"leaky": func(l *memory.Listener) core.Listener { return leakyListener{l} },
	// Connections ignore read deadlines, so a server blocked in Read
	// cannot be woken for a message (S6) or a timeout (S7).
	"deaf": func(l *memory.Listener) core.Listener { return deafListener{l} },
	// As deaf, and the client connections too, so that the suite's own
	// reads hang and only its watchdog can end the case.
	"deaf-both": func(l *memory.Listener) core.Listener { return deafListener{l} },
}

// stuckListener forgets to close its listener, so pending Accept calls
// wait on until their context is done.
type stuckListener struct{ *memory.Listener }

func (stuckListener) Close() error { return nil }

// leak is never closed: the goroutines that wait on it never end.
var leak = make(chan struct{})

type leakyListener struct{ *memory.Listener }

func (l leakyListener) Accept(ctx context.Context) (core.Conn, error) {
	c, err := l.Listener.Accept(ctx)
	if err == nil {
		go func() { <-leak }()
	}
	return c, err
}

type deafListener struct{ *memory.Listener }

func (l deafListener) Accept(ctx context.Context) (core.Conn, error) {
	c, err := l.Listener.Accept(ctx)
	if err != nil {
		return nil, err
	}
	return deafConn{c}, nil
}

// deafConn ignores read deadlines.
type deafConn struct{ core.Conn }

func (deafConn) SetReadDeadline(time.Time) error { return nil }

func (c deafConn) SetDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(t) }

// deafClient is a client connection that ignores read deadlines.
type deafClient struct{ net.Conn }

func (deafClient) SetReadDeadline(time.Time) error { return nil }

func (c deafClient) SetDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(t) }

// TestBrokenHelper runs the suite against the broken transport that
// brokenEnv names. It does nothing in a normal run.
func TestBrokenHelper(t *testing.T) {
	kind := os.Getenv(brokenEnv)
	if kind == "" {
		t.Skip("run by TestBrokenTransportsFail")
	}
	wrap, ok := brokenTransports[kind]
	require.True(t, ok, "unknown broken transport %q", kind)
	h := memoryHarness()
	h.Name = "broken memory: " + kind
	h.Timeout = time.Second
	m := &memoryNet{wrap: wrap}
	if kind == "deaf-both" {
		m.wrapDial = func(c net.Conn) net.Conn { return deafClient{c} }
	}
	h.Listen, h.Dial = m.listen, m.dial
	conformance.Run(t, h)
}

// TestBrokenAppHelper runs RunApp against the broken app that brokenEnv
// names. It does nothing in a normal run.
func TestBrokenAppHelper(t *testing.T) {
	kind := os.Getenv(brokenEnv)
	if kind == "" {
		t.Skip("run by TestBrokenTransportsFail")
	}
	app, ok := brokenApps[kind]
	require.True(t, ok, "unknown broken app %q", kind)
	conformance.RunApp(t, conformance.AppHarness{
		Name:     "broken app: " + kind,
		App:      app,
		Config:   core.Config{Framer: core.Lines(0)},
		Converse: converse,
		Timeout:  time.Second,
	})
}

func TestBrokenTransportsFail(t *testing.T) {
	for _, tc := range []struct {
		helper string
		kind   string
		rules  []string // the cases to run; all must fail unless kind is "sound"
		want   string   // a further text the output must hold
	}{
		{"TestBrokenHelper", "sound", []string{"T1_AcceptCloseErrClosed", "S10_TerminateOnClose", "S6_InfoInOrder", "S7_Timeout"}, ""},
		{"TestBrokenHelper", "stuck-accept", []string{"T1_AcceptCloseErrClosed"}, "T1: 3 of 3 Accept calls still blocked after Close"},
		{"TestBrokenHelper", "leaky", []string{"S10_TerminateOnClose"}, "S10: the client closed the connection and the server ended, but"},
		{"TestBrokenHelper", "deaf", []string{"S6_InfoInOrder", "S7_Timeout"}, ""},
		{"TestBrokenHelper", "deaf-both", []string{"S7_Timeout"}, "S7: watchdog: the case TestBrokenHelper/S7_Timeout"},
		{"TestBrokenAppHelper", "sound", []string{"A1_ClientCloseEndsConnection", "A2_ShutdownEndsConnections"}, ""},
		{"TestBrokenAppHelper", "deaf-to-shutdown", []string{"A2_ShutdownEndsConnections"}, "A2: Shutdown had to force-close connections"},
		{"TestBrokenAppHelper", "leaky", []string{"A1_ClientCloseEndsConnection"}, "A1: clients closed and their connections ended, but"},
	} {
		t.Run(tc.helper+"/"+tc.kind, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0],
				"-test.run=^"+tc.helper+"$/^("+strings.Join(tc.rules, "|")+")$",
				"-test.count=1", "-test.timeout=2m")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tc.kind)
			out, err := cmd.CombinedOutput()
			if tc.kind == "sound" {
				if !strings.Contains(string(out), "PASS") {
					t.Fatalf("the sound run ran nothing; output:\n%s", out)
				}
				require.NoError(t, err, "the sound one failed; output:\n%s", out)
				return
			}
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the suite passed against the %s transport; output:\n%s", tc.kind, out)
			for _, rule := range tc.rules {
				num, _, _ := strings.Cut(rule, "_")
				if !strings.Contains(string(out), "--- FAIL: "+tc.helper+"/"+rule+" ") {
					t.Errorf("the output does not report %s as failed; output:\n%s", rule, out)
				}
				if !strings.Contains(string(out), ": "+num+": ") {
					t.Errorf("no failure message starts with %q; output:\n%s", num+":", out)
				}
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("the output does not hold %q; output:\n%s", tc.want, out)
			}
		})
	}
}
