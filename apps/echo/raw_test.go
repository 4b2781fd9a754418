package echo_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/echo"
)

// roundTrip writes p and checks that exactly p comes back.
func (c *client) roundTrip(p []byte) {
	c.tb.Helper()
	if _, err := c.conn.Write(p); err != nil {
		c.tb.Fatalf("write: %v", err)
	}
	got := make([]byte, len(p))
	if _, err := io.ReadFull(c.r, got); err != nil {
		c.tb.Fatalf("reading the echo of %d bytes: %v", len(p), err)
	}
	if !bytes.Equal(got, p) {
		c.tb.Errorf("echo of %q came back as %q", p, got)
	}
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
	if err := <-werr; err != nil {
		t.Fatalf("write: %v", err)
	}
	if rerr != nil {
		t.Fatalf("read: %v", rerr)
	}
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
	if n := app.Live(); n != 2 {
		t.Errorf("Live() = %d, want 2", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	res := make(chan error, 1)
	go func() { res <- ep.Shutdown(ctx) }()
	for _, c := range []*client{a, b} {
		c.expectEOF()
		_ = c.conn.Close()
	}
	if err := <-res; err != nil {
		t.Errorf("Shutdown: %v, want nil", err)
	}
	if n := app.Live(); n != 0 {
		t.Errorf("Live() after Shutdown = %d, want 0", n)
	}
}

func TestRawStateIsolation(t *testing.T) {
	ep := serve(t, echo.New(echo.Config{Mode: echo.Raw}))
	a, b := dial(t, ep), dial(t, ep)
	a.roundTrip([]byte("from a"))
	b.roundTrip([]byte("from b"))
	a.roundTrip([]byte("a again"))
	if err := a.conn.Close(); err != nil {
		t.Fatal(err)
	}
	b.roundTrip([]byte("b again"))
}
