package echo_test

import (
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/echo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// roundTrip writes p and checks that exactly p comes back.
func (c *client) roundTrip(p []byte) {
	c.tb.Helper()
	_, err := c.conn.Write(p)
	require.NoError(c.tb, err, "write")
	got := make([]byte, len(p))
	_, err = io.ReadFull(c.r, got)
	require.NoError(c.tb, err, "reading the echo of %d bytes", len(p))
	assert.Equal(c.tb, p, got, "echo")
}

func TestRawEcho(t *testing.T) {
	ep := serve(t, echo.New(echo.Config{Mode: echo.Raw}))
	c := dial(t, ep)
	// No greeting: the first bytes back are the echo of the first sent.
	for _, p := range [][]byte{
		[]byte("hello\n"),
		[]byte("  not trimmed, not framed \r"),
		[]byte("/quit\n"),
		[]byte("/broadcast nobody\n"),
		{0, 1, 2, 0xfe, 0xff, '\r', '\n', 0},
		{'\n'},
	} {
		c.roundTrip(p)
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	c.roundTrip(all)
}

// TestRawLargePayload writes 1 MiB while reading the echo, as an echo client
// must: the server reads no more than it can write back.
func TestRawLargePayload(t *testing.T) {
	ep := serve(t, echo.New(echo.Config{Mode: echo.Raw}))
	c := dial(t, ep)
	payload := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	werr := make(chan error, 1)
	go func() {
		_, err := c.conn.Write(payload)
		werr <- err
	}()
	got := make([]byte, len(payload))
	_, rerr := io.ReadFull(c.r, got)
	require.NoError(t, <-werr, "write")
	require.NoError(t, rerr, "read")
	if i := firstDiff(got, payload); i >= 0 {
		t.Fatalf("echo differs from payload at byte %d", i)
	}
	// The stream is still in step afterwards.
	c.roundTrip([]byte("after"))
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

func TestRawIdleTimeout(t *testing.T) {
	const idle = 100 * time.Millisecond
	ep := serve(t, echo.New(echo.Config{Mode: echo.Raw, IdleTimeout: idle}))
	c := dial(t, ep)
	c.roundTrip([]byte("ping"))
	start := time.Now()
	c.expectEOF() // closed without a word
	if waited := time.Since(start); waited < idle*9/10 {
		t.Errorf("closed after %v of silence, want at least %v", waited, idle)
	}
}

func TestRawShutdown(t *testing.T) {
	app := echo.New(echo.Config{Mode: echo.Raw})
	ep := serve(t, app)
	a, b := dial(t, ep), dial(t, ep)
	a.roundTrip([]byte("a"))
	b.roundTrip([]byte("b"))
	assert.Equal(t, 2, app.Live(), "Live()")
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	res := make(chan error, 1)
	go func() { res <- ep.Shutdown(ctx) }()
	for _, c := range []*client{a, b} {
		c.expectEOF()
		_ = c.conn.Close()
	}
	assert.NoError(t, <-res, "Shutdown")
	assert.Zero(t, app.Live(), "Live() after Shutdown")
}

func TestRawStateIsolation(t *testing.T) {
	ep := serve(t, echo.New(echo.Config{Mode: echo.Raw}))
	a, b := dial(t, ep), dial(t, ep)
	a.roundTrip([]byte("from a"))
	b.roundTrip([]byte("from b"))
	a.roundTrip([]byte("a again"))
	require.NoError(t, a.conn.Close())
	b.roundTrip([]byte("b again"))
}
