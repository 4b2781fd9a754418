package conformance

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
)

// DefaultTimeout is how long one case may take when Harness.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// Harness describes the transport under test: how to make listeners and
// client connections, and what it can do. Fields may be added in later
// versions; a zero field always keeps its documented default, so a Harness
// literal with named fields keeps compiling and meaning the same.
type Harness struct {
	// Name names the transport in the suite's failure messages, for
	// example "tcp" or "tls over unix".
	Name string

	// Listen returns a fresh listener bound to a loopback address with
	// port 0 (or the transport's equivalent: a new socket path, a new
	// name). Required. Every case calls it at least once and closes what
	// it returns.
	Listen func(ctx context.Context) (core.Listener, error)

	// Dial opens a client connection to addr, the Addr of a listener made
	// by Listen, and completes any handshake the transport has before it
	// returns. Required. It must return when ctx is done. The suite closes
	// every connection it dials.
	Dial func(ctx context.Context, addr net.Addr) (net.Conn, error)

	// Transport, when not empty, is the transport name that every
	// connection's core.ConnInfo must report (T2_Info).
	Transport string

	// Config is the base configuration of the servers and endpoints the
	// suite starts: fields such as HandshakeTimeout, ReadBufferSize and
	// Linger are kept. The suite sets Acceptors, MaxConns, RefuseAtLimit,
	// Framer and MailboxSize as each rule requires. Its logger captures
	// what the servers log and passes it on to Config.Logger when that is
	// set; otherwise logs are discarded.
	Config core.Config

	// Timeout bounds each case; DefaultTimeout when 0. Every wait of a
	// case ends at this deadline, and a case that does not return within
	// 1.5 times it fails, naming its rule, while the suite closes what
	// the case opened; a case still stuck after another Timeout panics
	// with every goroutine's stack, so that a hung implementation fails
	// CI instead of hanging it. The goroutine check after each case
	// waits up to Timeout as well.
	Timeout time.Duration

	// NoConnTest skips T2_ConnTest, which runs golang.org/x/net/nettest's
	// TestConn over a connection pair, for transports whose connections
	// cannot pass it. Say why where you set it.
	NoConnTest bool

	// NoHalfClose declares that the connections Dial returns cannot
	// half-close, that is they have no CloseWrite() error method, and
	// skips the half-close checks of S9.
	NoHalfClose bool
}

func (h *Harness) timeout() time.Duration {
	if h.Timeout > 0 {
		return h.Timeout
	}
	return DefaultTimeout
}

// ruleCase is one case of the suite: a check of one rule.
type ruleCase struct {
	name string
	fn   func(*tcase)
}

// cases lists every case, in the order Run runs them.
var cases = []ruleCase{
	{"S1_ProvisionedIdle", testProvisionedIdle},
	{"S2_SecondAcceptFails", testSecondAcceptFails},
	{"S3_AcceptReturnsReference", testAcceptReturnsReference},
	{"S4_ConnectSendsFirst", testConnectSendsFirst},
	{"S4_ConnectClose", testConnectClose},
	{"S5_Backpressure", testBackpressure},
	{"S6_InfoInOrder", testInfoInOrder},
	{"S6_SendWithoutConnection", testSendWithoutConnection},
	{"S7_Timeout", testTimeout},
	{"S7_TimeoutCancelled", testTimeoutCancelled},
	{"S8_CloseAfterSend", testCloseAfterSend},
	{"S9_DisconnectOnce", testDisconnectOnce},
	{"S10_TerminateOnClose", testTerminateOnClose},
	{"S11_StateIsolated", testStateIsolated},
	{"S12_PanicIsolated", testPanicIsolated},
	{"G1_NextServerAtOnce", testNextServerAtOnce},
	{"G2_EarlyEndReplaced", testEarlyEndReplaced},
	{"G3_ServedEndDoesNotAffectGovernor", testServedEnd},
	{"E1_AcceptorsWaiting", testAcceptorsWaiting},
	{"E2_PortZero", testPortZero},
	{"E3_DrainRefusesNew", testDrainRefusesNew},
	{"E4_GracefulShutdown", testGracefulShutdown},
	{"E4_ShutdownForceCloses", testShutdownForceCloses},
	{"E4_ShutdownRacesAccept", testShutdownRacesAccept},
	{"E5_MaxConnsPause", testMaxConnsPause},
	{"E5_MaxConnsRefuse", testMaxConnsRefuse},
	{"E5_MaxConnsRuntimeChange", testMaxConnsRuntimeChange},
	{"E6_TemporaryAcceptErrorsRetried", testTemporaryAcceptErrors},
	{"E7_Stats", testStats},
	{"T1_AcceptCloseErrClosed", testAcceptCloseErrClosed},
	{"T1_AcceptContextCancel", testAcceptContextCancel},
	{"T2_ConnTest", testConnTest},
	{"T2_Info", testInfo},
}

// Run checks that core's servers and endpoints keep every lifecycle rule
// (S1-S12, G1-G3, E1-E7) over the transport h describes, and that the
// transport keeps its own (T1, T2). Passing it on every transport is rule T4.
//
// Each case is a subtest named after its rule, such as "S7_Timeout" or
// "E5_MaxConnsPause", so that -run picks cases:
//
//	go test -race -run 'TestMyTransport/(S7|E5)_' ./...
//
// A broken rule is reported with t.Errorf, in a message that starts with the
// rule's number ("S10: ..."); t.Fatal is kept for failures of the harness
// itself, such as a Listen error.
//
// The suite should produce no false positives: a failure means a rule is
// broken. It may produce false negatives, since some breaches (a data race,
// a callback run concurrently, a goroutine that ends late) show only
// sometimes: run it several times (-count) and always with -race.
//
// After each case, and within S10, the suite waits until no more goroutines
// run than when the case started, and prints the stacks of the extra ones
// if they remain. For that reason Run must not run in parallel with other
// tests of the same binary: do not call t.Parallel in the test that calls
// Run, nor in the tests of its package while it runs.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Listen == nil || h.Dial == nil {
		t.Fatal("conformance: Harness.Listen and Harness.Dial are required")
	}
	for _, rc := range cases {
		t.Run(rc.name, func(t *testing.T) { runCase(t, &h, rc.name, rc.fn) })
	}
}
