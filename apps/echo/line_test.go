package echo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/echo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLineGreeting(t *testing.T) {
	for _, tc := range []struct {
		name, greeting, want string
	}{
		{"default", "", "WELCOME"},
		{"custom", "hello, ace", "hello, ace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ep := serve(t, echo.New(echo.Config{Greeting: tc.greeting}))
			c := dial(t, ep)
			c.expect(tc.want)
		})
	}
}

func TestLineEcho(t *testing.T) {
	ep := serve(t, echo.New(echo.Config{}))
	c := dial(t, ep)
	c.expect("WELCOME")
	for _, tc := range []struct{ send, want string }{
		{"hello\n", "ECHO: hello"},
		{"hello\r\n", "ECHO: hello"},
		{"  spaced out \t\r\n", "ECHO: spaced out"},
		{"inner  space kept\n", "ECHO: inner  space kept"},
		{"\n", "ECHO: "},
		{"   \r\n", "ECHO: "},
		{"bare\rcr\n", "ECHO: bare\rcr"},
		// Unknown commands and a broadcast without text are plain lines.
		{"/help\n", "ECHO: /help"},
		{"/broadcast\n", "ECHO: /broadcast"},
		{"/broadcast   \r\n", "ECHO: /broadcast"},
		{"/broadcastx y\n", "ECHO: /broadcastx y"},
		{"/QUIT\n", "ECHO: /QUIT"},
		{"/quit now\n", "ECHO: /quit now"},
	} {
		c.send(tc.send)
		assert.Equal(t, tc.want, c.line(), "sent %q", tc.send)
	}
	// Several lines in one write get one reply each, in order.
	c.send("one\ntwo\r\nthree\n")
	c.expect("ECHO: one")
	c.expect("ECHO: two")
	c.expect("ECHO: three")
}

func TestLineLastLineWithoutTerminator(t *testing.T) {
	ep := serve(t, echo.New(echo.Config{}))
	c := dial(t, ep)
	c.expect("WELCOME")
	c.send("last words")
	require.NoError(t, c.conn.CloseWrite())
	c.expect("ECHO: last words")
	c.expectEOF()
}

func TestLineQuit(t *testing.T) {
	app := echo.New(echo.Config{})
	ep := serve(t, app)
	c := dial(t, ep)
	c.expect("WELCOME")
	c.send("  /quit \r\n")
	c.expect("BYE")
	c.expectEOF()
}

func TestLineBroadcast(t *testing.T) {
	app := echo.New(echo.Config{})
	ep := serve(t, app)
	a, b, c := dial(t, ep), dial(t, ep), dial(t, ep)
	for _, cl := range []*client{a, b, c} {
		// The greeting comes from Connect, which registers the
		// connection first.
		cl.expect("WELCOME")
	}
	assert.Equal(t, 3, app.Live(), "Live()")

	a.send("/broadcast   hello,  everyone \r\n")
	a.expect("SENT 2")
	b.expect("hello,  everyone")
	c.expect("hello,  everyone")

	// Had the sender received its own broadcast, it would have been
	// written before the reply to the next line.
	a.send("ping\n")
	a.expect("ECHO: ping")

	// Broadcasts interleave with each recipient's own conversation, in
	// order.
	b.send("/broadcast\tfrom b\n")
	b.expect("SENT 2")
	a.expect("from b")
	c.send("mine\n")
	c.expect("from b")
	c.expect("ECHO: mine")

	// A connection that has left receives nothing and is not counted.
	c.send("/quit\n")
	c.expect("BYE")
	c.expectEOF()
	require.NoError(t, ep.Close())
	assert.Zero(t, app.Live(), "Live() after Close")
}

func TestLineBroadcastAcrossEndpoints(t *testing.T) {
	app := echo.New(echo.Config{})
	a := dial(t, serve(t, app))
	b := dial(t, serve(t, app))
	a.expect("WELCOME")
	b.expect("WELCOME")
	a.send("/broadcast over there\n")
	a.expect("SENT 1")
	b.expect("over there")
}

func TestLineBroadcastIsolatedBetweenApps(t *testing.T) {
	a := dial(t, serve(t, echo.New(echo.Config{})))
	b := dial(t, serve(t, echo.New(echo.Config{})))
	a.expect("WELCOME")
	b.expect("WELCOME")
	a.send("/broadcast anyone?\n")
	a.expect("SENT 0")
	b.send("still here\n")
	b.expect("ECHO: still here")
}

func TestLineStateIsolation(t *testing.T) {
	ep := serve(t, echo.New(echo.Config{}))
	a, b := dial(t, ep), dial(t, ep)
	a.expect("WELCOME")
	b.expect("WELCOME")

	// Half a line from a must not mix with b's lines.
	a.send("hel")
	b.send("world\n")
	b.expect("ECHO: world")
	a.send("lo\n")
	a.expect("ECHO: hello")

	// One connection quitting leaves the other untouched.
	a.send("/quit\n")
	a.expect("BYE")
	a.expectEOF()
	b.send("still here\n")
	b.expect("ECHO: still here")
}

func TestLineIdleTimeout(t *testing.T) {
	const idle = 100 * time.Millisecond
	ep := serve(t, echo.New(echo.Config{IdleTimeout: idle}))
	c := dial(t, ep)
	c.expect("WELCOME")
	c.send("still awake\n")
	c.expect("ECHO: still awake")
	start := time.Now()
	c.expect("TIMEOUT")
	// The server measures from when it replied, a little after start.
	if waited := time.Since(start); waited < idle*9/10 {
		t.Errorf("TIMEOUT after %v of silence, want at least %v", waited, idle)
	}
	c.expectEOF()
}

// TestLineIdleTimeoutIgnoresBroadcasts checks that a connection that only
// receives broadcasts still times out: only what a client sends is activity.
func TestLineIdleTimeoutIgnoresBroadcasts(t *testing.T) {
	const idle = 100 * time.Millisecond
	ep := serve(t, echo.New(echo.Config{IdleTimeout: idle}))
	listener, talker := dial(t, ep), dial(t, ep)
	listener.expect("WELCOME")
	talker.expect("WELCOME")

	// The talker broadcasts, in lockstep with the listener's reading and
	// far more often than the idle timeout, until the listener times out.
	start := time.Now()
	for {
		if waited := time.Since(start); waited > 20*idle {
			t.Fatalf("no TIMEOUT after %v with an idle timeout of %v: broadcasts keep the listener awake", waited, idle)
		}
		talker.send("/broadcast tick\n")
		if talker.line() == "SENT 0" {
			// The listener's connection is already closing.
			listener.expect("TIMEOUT")
			break
		}
		got := listener.line()
		if got == "TIMEOUT" {
			break
		}
		require.Equal(t, "tick", got, "listener got neither tick nor TIMEOUT")
	}
	if waited := time.Since(start); waited < idle*9/10 {
		t.Errorf("TIMEOUT after %v, want at least %v", waited, idle)
	}
	listener.expectEOF()
}

func TestLineTooLong(t *testing.T) {
	const maxLine = 16
	ep := serve(t, echo.New(echo.Config{MaxLine: maxLine}))
	c := dial(t, ep)
	c.expect("WELCOME")

	// Exactly MaxLine bytes, with either terminator, is fine.
	fits := strings.Repeat("x", maxLine)
	c.send(fits + "\n")
	c.expect("ECHO: " + fits)
	c.send(fits + "\r\n")
	c.expect("ECHO: " + fits)

	// One more is not, whether or not its terminator has arrived.
	c.send(fits + "y\n")
	c.expect("ERROR line too long")
	c.expectEOF()

	c = dial(t, ep)
	c.expect("WELCOME")
	c.send(strings.Repeat("z", 10*maxLine))
	c.expect("ERROR line too long")
	c.expectEOF()
}

func TestLineShutdown(t *testing.T) {
	app := echo.New(echo.Config{})
	ep := serve(t, app)
	clients := []*client{dial(t, ep), dial(t, ep), dial(t, ep)}
	for _, c := range clients {
		c.expect("WELCOME")
	}
	clients[1].send("half a li")

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	res := make(chan error, 1)
	go func() { res <- ep.Shutdown(ctx) }()
	for _, c := range clients {
		c.expect("BYE")
		c.expectEOF()
		_ = c.conn.Close()
	}
	assert.NoError(t, <-res, "Shutdown")
	assert.Zero(t, app.Live(), "Live() after Shutdown")
}
