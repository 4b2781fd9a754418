package bench

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveLoopback runs handle on every connection to a fresh loopback
// listener until the test ends.
func serveLoopback(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { handle(c); _ = c.Close() })
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func echoConn(c net.Conn) { _, _ = io.Copy(c, c) }

func TestRunEcho(t *testing.T) {
	addr := serveLoopback(t, echoConn)
	var measure, measured int
	res, err := RunEcho(t.Context(), EchoLoad{
		Addr: addr, Conns: 4, Size: 100, Warmup: 20 * time.Millisecond, Duration: 100 * time.Millisecond,
		OnMeasure:  func() error { measure++; return nil },
		OnMeasured: func() error { measured++; return nil },
	})
	require.NoError(t, err)
	if measure != 1 || measured != 1 {
		t.Errorf("hooks ran %d and %d times, want once each", measure, measured)
	}
	if res.RoundTrips == 0 || res.Latency.Count() != uint64(res.RoundTrips) {
		t.Errorf("%d round trips, %d latencies", res.RoundTrips, res.Latency.Count())
	}
	if res.Elapsed < 100*time.Millisecond || res.Elapsed > 100*time.Millisecond+echoGrace {
		t.Errorf("elapsed %v for a 100ms load", res.Elapsed)
	}
	if res.PerSecond() <= 0 || res.Latency.Percentile(99) < res.Latency.Percentile(50) {
		t.Errorf("%v/s, p50 %v, p99 %v", res.PerSecond(), res.Latency.Percentile(50), res.Latency.Percentile(99))
	}
}

func TestRunEchoMaxRoundTrips(t *testing.T) {
	addr := serveLoopback(t, echoConn)
	res, err := RunEcho(t.Context(), EchoLoad{Addr: addr, Conns: 3, Size: 1, Duration: time.Minute, MaxRoundTrips: 30})
	require.NoError(t, err)
	assert.EqualValues(t, 30, res.RoundTrips, "round trips: 10 on each of 3 connections")
}

func TestRunEchoDetectsCorruption(t *testing.T) {
	// The server echoes faithfully for a while, then flips one bit.
	addr := serveLoopback(t, func(c net.Conn) {
		buf := make([]byte, 64)
		for n := 0; ; n++ {
			k, err := c.Read(buf)
			if err != nil {
				return
			}
			if n == 50 {
				buf[k-1] ^= 1
			}
			if _, err := c.Write(buf[:k]); err != nil {
				return
			}
		}
	})
	_, err := RunEcho(t.Context(), EchoLoad{Addr: addr, Conns: 1, Size: 16, Duration: 10 * time.Second})
	require.ErrorIs(t, err, ErrEchoMismatch)
}

func TestRunEchoDetectsRepeats(t *testing.T) {
	// The server answers every message with the first one it received:
	// only the sequence number in each message tells them apart.
	addr := serveLoopback(t, func(c net.Conn) {
		first := make([]byte, 32)
		if _, err := io.ReadFull(c, first); err != nil {
			return
		}
		buf := make([]byte, 32)
		for {
			if _, err := c.Write(first); err != nil {
				return
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
		}
	})
	_, err := RunEcho(t.Context(), EchoLoad{Addr: addr, Conns: 1, Size: 32, Duration: 10 * time.Second})
	require.ErrorIs(t, err, ErrEchoMismatch)
}

func TestRunEchoServerCloses(t *testing.T) {
	addr := serveLoopback(t, func(net.Conn) {})
	start := time.Now()
	_, err := RunEcho(t.Context(), EchoLoad{Addr: addr, Conns: 2, Duration: 10 * time.Second})
	require.Error(t, err, "RunEcho against a server that closes every connection")
	assert.Less(t, time.Since(start), 5*time.Second, "time to notice")
}

func TestRunEchoHookError(t *testing.T) {
	addr := serveLoopback(t, echoConn)
	boom := errors.New("boom")
	_, err := RunEcho(t.Context(), EchoLoad{Addr: addr, Conns: 2, Duration: 10 * time.Second,
		OnMeasure: func() error { return boom }})
	require.ErrorIs(t, err, boom, "want the hook's error")
}

func TestRunEchoDialFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	_ = ln.Close()
	_, err = RunEcho(t.Context(), EchoLoad{Addr: addr})
	require.Error(t, err, "RunEcho without a server")
}

func BenchmarkEchoWorkerLoop(b *testing.B) {
	// Checks that the load generator's loop allocates nothing.
	c1, c2 := net.Pipe()
	defer c1.Close()
	go func() { _, _ = io.Copy(c2, c2); _ = c2.Close() }()
	w := echoWorker{conn: c1, size: 64}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.run(time.Now().Add(time.Hour), 1, &w.hist); err != nil {
			b.Fatal(err)
		}
	}
}
