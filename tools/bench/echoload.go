package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// EchoLoad describes a closed-loop load on an echo server: Conns connections,
// each sending one Size-byte message, reading it back in full and checking
// every byte, then sending the next.
type EchoLoad struct {
	// Addr is the server's address, host:port on loopback.
	Addr string
	// Conns is how many connections run at once. Default 1.
	Conns int
	// Size is the length of each message in bytes. Default 64.
	Size int
	// Warmup is run on the same connections before the measurement, and
	// not counted.
	Warmup time.Duration
	// Duration is how long the measurement runs. Default 1s.
	Duration time.Duration
	// MaxRoundTrips ends the measurement early once this many round trips
	// are done, shared evenly between the connections; 0 means no limit.
	MaxRoundTrips int64
	// OnMeasure, when set, runs once every connection is open and warm,
	// just before the measurement starts; OnMeasured runs once every
	// connection has stopped. The harness reads the server's counters
	// there, so that they cover the measurement exactly.
	OnMeasure, OnMeasured func() error
}

// EchoResult is what an [EchoLoad] measured.
type EchoResult struct {
	// RoundTrips is how many messages came back, verified, during the
	// measurement.
	RoundTrips int64
	// Elapsed is how long the measurement took, from its start to the last
	// round trip's end.
	Elapsed time.Duration
	// Latency holds the time of every round trip measured.
	Latency Histogram
}

// PerSecond reports round trips per second.
func (r *EchoResult) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.RoundTrips) / r.Elapsed.Seconds()
}

// ErrEchoMismatch reports an echo that differs from what was sent.
var ErrEchoMismatch = errors.New("bench: echoed bytes differ from those sent")

// echoGrace is how long past its end a measurement waits for a round trip in
// flight before it gives up on the server.
const echoGrace = 5 * time.Second

// RunEcho runs l and returns what it measured. It stops by itself after
// l.Warmup plus l.Duration (plus the time to open the connections), after
// l.MaxRoundTrips, or when ctx is done; every connection it opens is closed
// before it returns. Any error (a connection that fails, an echo that
// differs) ends the whole run.
func RunEcho(ctx context.Context, l EchoLoad) (*EchoResult, error) {
	l.Conns = max(l.Conns, 1)
	if l.Size <= 0 {
		l.Size = 64
	}
	if l.Duration <= 0 {
		l.Duration = time.Second
	}
	perConn := int64(-1)
	if l.MaxRoundTrips > 0 {
		perConn = max((l.MaxRoundTrips+int64(l.Conns)-1)/int64(l.Conns), 1)
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	conns, err := dialAll(ctx, l.Addr, l.Conns)
	if err != nil {
		return nil, err
	}
	// Closing every connection when ctx is done unblocks every worker.
	stop := context.AfterFunc(ctx, func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	defer func() {
		stop()
		for _, c := range conns {
			_ = c.Close()
		}
	}()

	w := make([]echoWorker, len(conns))
	var warm, done sync.WaitGroup
	var begin time.Time // the measurement's start, published by closing startCh
	startCh := make(chan struct{})
	warmEnd := time.Now().Add(l.Warmup)
	for i, c := range conns {
		w[i] = echoWorker{conn: c, size: l.Size, seed: uint64(i)}
		warm.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			wk := &w[i]
			err := wk.run(warmEnd, -1, nil)
			warm.Done()
			if err != nil {
				cancel(err)
				return
			}
			select {
			case <-startCh:
			case <-ctx.Done():
				return
			}
			if err := wk.run(begin.Add(l.Duration), perConn, &wk.hist); err != nil {
				cancel(err)
			}
		}()
	}

	warm.Wait()
	var hookErr error
	if ctx.Err() == nil && l.OnMeasure != nil {
		hookErr = l.OnMeasure()
	}
	if hookErr != nil {
		cancel(hookErr)
	}
	begin = time.Now()
	close(startCh) // publishes begin to the workers
	done.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	if l.OnMeasured != nil {
		if err := l.OnMeasured(); err != nil {
			return nil, err
		}
	}

	res := &EchoResult{}
	var last time.Time
	for i := range w {
		res.RoundTrips += w[i].count
		res.Latency.Merge(&w[i].hist)
		if w[i].last.After(last) {
			last = w[i].last
		}
	}
	if res.RoundTrips > 0 {
		res.Elapsed = last.Sub(begin)
	}
	return res, nil
}

// dialAll opens n connections to addr, or none.
func dialAll(ctx context.Context, addr string, n int) ([]net.Conn, error) {
	var d net.Dialer
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			for _, c := range conns {
				_ = c.Close()
			}
			return nil, fmt.Errorf("bench: dial %s: %w", addr, err)
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// echoWorker drives one connection of an echo load.
type echoWorker struct {
	conn     net.Conn
	size     int
	seed     uint64
	seq      uint64
	out, in  []byte
	count    int64
	last     time.Time
	hist     Histogram
	prepared bool
}

// run does round trips until end, or until limit round trips when limit is
// not negative, recording each in hist when hist is not nil.
func (w *echoWorker) run(end time.Time, limit int64, hist *Histogram) error {
	if !w.prepared {
		w.out = make([]byte, w.size)
		w.in = make([]byte, w.size)
		r := rand.New(rand.NewPCG(w.seed, 0x9e3779b97f4a7c15))
		for i := range w.out {
			w.out[i] = byte(r.Uint32())
		}
		w.prepared = true
	}
	if err := w.conn.SetDeadline(end.Add(echoGrace)); err != nil {
		return fmt.Errorf("bench: set deadline: %w", err)
	}
	var seqBuf [8]byte
	for n := int64(0); limit < 0 || n < limit; n++ {
		t0 := time.Now()
		if !t0.Before(end) {
			break
		}
		// Every message differs from the one before, so that a server
		// that repeats or reorders data is caught.
		w.seq++
		binary.LittleEndian.PutUint64(seqBuf[:], w.seq)
		copy(w.out, seqBuf[:])
		if _, err := w.conn.Write(w.out); err != nil {
			return fmt.Errorf("bench: write: %w", err)
		}
		if _, err := io.ReadFull(w.conn, w.in); err != nil {
			return fmt.Errorf("bench: read echo: %w", err)
		}
		if !bytes.Equal(w.in, w.out) {
			return fmt.Errorf("%w: round trip %d of %d bytes", ErrEchoMismatch, w.seq, w.size)
		}
		t1 := time.Now()
		if hist != nil {
			hist.Record(t1.Sub(t0))
			w.count++
			w.last = t1
		}
	}
	return nil
}
