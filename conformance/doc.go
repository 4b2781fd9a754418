// Package conformance holds the suites that every ace transport and app runs
// in its own tests, so that each one proves it keeps ace's lifecycle contract
// (rules S1-S12, G1-G3, E1-E7, T1-T4; docs/lifecycle.md describes the
// lifecycle they pin down).
//
// # Transports
//
// [Run] checks a transport: given a [Harness] that makes listeners and
// dials them, it serves its own probe app through core's servers and
// endpoints over that transport, and checks every rule from both sides of
// the connections, plus golang.org/x/net/nettest's TestConn on the raw
// connections. A transport's test is one call:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, conformance.Harness{
//			Name:      "tcp",
//			Transport: "tcp",
//			Listen: func(ctx context.Context) (core.Listener, error) {
//				return tcp.Listen(ctx, "127.0.0.1:0")
//			},
//			Dial: func(ctx context.Context, addr net.Addr) (net.Conn, error) {
//				var d net.Dialer
//				return d.DialContext(ctx, addr.Network(), addr.String())
//			},
//		})
//	}
//
// Each rule is a subtest named after it ("S7_Timeout"), so
// `go test -race -run 'TestConformance/S7_'` runs one rule, and every
// failure message starts with the rule's number.
//
// # Apps
//
// [RunApp] checks an app's lifecycle over the in-memory transport of the
// subpackage memory: connections end when the client closes, Shutdown ends
// every connection, and no goroutine is left behind.
//
// # Running the suites
//
// Run them with -race, and never in parallel with other tests of the same
// binary: the suites count goroutines to find leaks. They are built to have
// no false positives: a failure is a broken rule, not the suite's bad luck
// with timing (they wait on events, with deadlines, and their few timing
// margins are generous). They may miss a breach that shows only sometimes;
// -count helps.
package conformance
