package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Probe does one exchange on a fresh connection and checks the answer: the
// idle-memory measurement probes every connection it opens, so that each one
// has been served, not merely accepted, before the server's memory is read.
type Probe func(c net.Conn) error

// HelloBody is the body every HTTP server of the harness answers with.
const HelloBody = "Hello, World!"

// EchoProbe sends four bytes and expects them back.
func EchoProbe(c net.Conn) error {
	msg := []byte("ping")
	if _, err := c.Write(msg); err != nil {
		return fmt.Errorf("bench: echo probe: %w", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("bench: echo probe: %w", err)
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("%w: probe got %q", ErrEchoMismatch, got)
	}
	return nil
}

// HTTPProbe sends one GET request, keeping the connection alive, and
// expects 200 with HelloBody.
func HTTPProbe(c net.Conn) error {
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: bench\r\n\r\n"); err != nil {
		return fmt.Errorf("bench: http probe: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(c, 512), nil)
	if err != nil {
		return fmt.Errorf("bench: http probe: %w", err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	switch {
	case err != nil:
		return fmt.Errorf("bench: http probe: body: %w", err)
	case resp.StatusCode != http.StatusOK || string(body) != HelloBody || resp.Close:
		return fmt.Errorf("bench: http probe: got %s %q (close %v), want 200 %q kept alive",
			resp.Status, body, resp.Close, HelloBody)
	}
	return nil
}

// Idle connections are spread over several loopback source addresses, so
// that the ephemeral port range never runs short: at most connsPerSource
// each, from 127.0.<block>.1 upwards; every measurement uses a block of its
// own, so connections of one never collide with the remains of another.
const (
	connsPerSource = 2000
	dialWorkers    = 32
	dialTimeout    = 10 * time.Second
)

// IdleSet is a set of open, idle connections.
type IdleSet struct {
	mu    sync.Mutex
	conns []net.Conn
}

// Open opens n more connections to addr from source addresses in block
// (1-254), probing each, with a bounded number of dials at once. On error it
// closes what it opened.
func (s *IdleSet) Open(ctx context.Context, addr string, n, block int, probe Probe) error {
	if block < 1 || block > 254 {
		return fmt.Errorf("bench: source block %d out of range", block)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	s.mu.Lock()
	base := len(s.conns)
	s.mu.Unlock()
	var wg sync.WaitGroup
	for range min(dialWorkers, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				c, err := dialProbe(ctx, addr, sourceAddr(block, base+i), probe)
				if err != nil {
					cancel(err)
					return
				}
				s.mu.Lock()
				s.conns = append(s.conns, c)
				s.mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		s.Close()
		return err
	}
	return nil
}

// sourceAddr returns the local address of the i-th connection of block.
func sourceAddr(block, i int) *net.TCPAddr {
	host := 1 + i/connsPerSource
	return &net.TCPAddr{IP: net.IPv4(127, 0, byte(block), byte(host))}
}

// dialProbe opens one connection, from src unless it is nil, and probes it.
func dialProbe(ctx context.Context, addr string, src *net.TCPAddr, probe Probe) (net.Conn, error) {
	d := net.Dialer{Timeout: dialTimeout}
	if src != nil {
		d.LocalAddr = src
	}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("bench: dial %s: %w", addr, err)
	}
	_ = c.SetDeadline(time.Now().Add(dialTimeout))
	if err := probe(c); err != nil {
		_ = c.Close()
		return nil, err
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

// Len reports how many connections are open.
func (s *IdleSet) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Close closes every connection with a reset rather than a FIN, so that no
// TIME_WAIT is left behind to hold ports.
func (s *IdleSet) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = c.Close()
	}
	s.conns = nil
}

// IdleLoad describes an idle-memory measurement.
type IdleLoad struct {
	// Conns is how many idle connections to measure.
	Conns int
	// Block picks the source addresses, 127.0.<Block>.x (1-254).
	Block int
	// Probe is the exchange each connection does once.
	Probe Probe
	// Wait is how long the connections stay idle before each reading.
	Wait time.Duration
	// AtPeak, when set, runs once every connection is open and the memory
	// read, before any is closed; the harness takes heap profiles there.
	AtPeak func() error
}

// IdleResult is what an idle-memory measurement found.
type IdleResult struct {
	// Conns is how many idle connections were measured, on top of a
	// Baseline already open at the first reading.
	Conns, Baseline int
	// Before and After are the server's resident memory in bytes, and
	// whether each reading had settled.
	Before, After             int64
	BeforeStable, AfterStable bool
	// BeforeStats and AfterStats are the server's counters at each
	// reading.
	BeforeStats, AfterStats ServerStats
}

// PerConn reports the resident-memory growth per connection in bytes.
func (r *IdleResult) PerConn() float64 {
	if r.Conns == 0 {
		return 0
	}
	return float64(r.After-r.Before) / float64(r.Conns)
}

// Breakdown reports what the Go runtime says the growth per connection is
// made of.
func (r *IdleResult) Breakdown() IdleBreakdown {
	per := func(after, before uint64) float64 {
		return (float64(after) - float64(before)) / float64(max(r.Conns, 1))
	}
	return IdleBreakdown{
		Heap:       per(r.AfterStats.HeapBytes, r.BeforeStats.HeapBytes),
		Stacks:     per(r.AfterStats.StackBytes, r.BeforeStats.StackBytes),
		Goroutines: per(r.AfterStats.Goroutines, r.BeforeStats.Goroutines),
	}
}

// IdleBreakdown is the Go runtime's view of the memory of one idle
// connection.
type IdleBreakdown struct {
	// Heap and Stacks are bytes of live heap objects and of goroutine
	// stacks per connection; Goroutines is goroutines per connection.
	Heap, Stacks, Goroutines float64
}

// MeasureIdle measures how much resident memory the server p needs for each
// idle connection. It opens a baseline of connections (1% of l.Conns, at
// least 10) so that one-time costs are paid, has the server collect garbage
// and reads its VmRSS once it is stable; then it opens l.Conns more, probing
// each, and reads it again the same way. Before each reading the connections
// stay silent for l.Wait. Every connection is closed before
// it returns.
func MeasureIdle(ctx context.Context, p *Process, l IdleLoad) (*IdleResult, error) {
	var set IdleSet
	defer set.Close()
	res := &IdleResult{Conns: l.Conns, Baseline: max(l.Conns/100, 10)}
	if err := set.Open(ctx, p.Addr, res.Baseline, l.Block, l.Probe); err != nil {
		return nil, err
	}
	if err := pause(ctx, l.Wait); err != nil {
		return nil, err
	}
	var err error
	if res.Before, res.BeforeStable, err = settledRSS(ctx, p); err != nil {
		return nil, err
	}
	if res.BeforeStats, err = p.Stats(ctx); err != nil {
		return nil, err
	}
	if err := set.Open(ctx, p.Addr, l.Conns, l.Block, l.Probe); err != nil {
		return nil, err
	}
	if err := pause(ctx, l.Wait); err != nil {
		return nil, err
	}
	if res.After, res.AfterStable, err = settledRSS(ctx, p); err != nil {
		return nil, err
	}
	if res.AfterStats, err = p.Stats(ctx); err != nil {
		return nil, err
	}
	if got, want := res.AfterStats.Accepted-res.BeforeStats.Accepted, uint64(l.Conns); got != want {
		return nil, fmt.Errorf("bench: %s accepted %d connections, want %d", p.Name, got, want)
	}
	if l.AtPeak != nil {
		if err := l.AtPeak(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// pause lets d pass, unless ctx is done first.
func pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RSS settling: readings rssEvery apart, stable when rssSteady of them in a
// row differ by at most rssSlack bytes, given up (using the last) after
// rssPatience.
const (
	rssEvery    = 100 * time.Millisecond
	rssSteady   = 3
	rssSlack    = 64 << 10
	rssPatience = 5 * time.Second
)

// settledRSS has p collect garbage, then waits for its resident memory to
// stop changing and returns it, reporting whether it settled.
func settledRSS(ctx context.Context, p *Process) (int64, bool, error) {
	if err := p.GC(ctx); err != nil {
		return 0, false, err
	}
	deadline := time.Now().Add(rssPatience)
	tick := time.NewTicker(rssEvery)
	defer tick.Stop()
	last, err := ReadRSS(p.Pid)
	if err != nil {
		return 0, false, err
	}
	steady := 1
	for steady < rssSteady {
		if time.Now().After(deadline) {
			return last, false, nil
		}
		select {
		case <-ctx.Done():
			return 0, false, ctx.Err()
		case <-tick.C:
		}
		cur, err := ReadRSS(p.Pid)
		if err != nil {
			return 0, false, err
		}
		if d := cur - last; d <= rssSlack && d >= -rssSlack {
			steady++
		} else {
			steady = 1
		}
		last = cur
	}
	return last, true, nil
}

// ReadRSS returns the resident memory of process pid, from the VmRSS line of
// /proc/<pid>/status.
func ReadRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("bench: read memory of %d: %w", pid, err)
	}
	return ParseVmRSS(string(b))
}

// ErrNoVmRSS reports a /proc status file without a readable VmRSS line.
var ErrNoVmRSS = errors.New("bench: no VmRSS in process status")

// ParseVmRSS returns the VmRSS of a /proc/<pid>/status file, in bytes. The
// kernel prints it in kB (KiB): "VmRSS:	   12345 kB".
func ParseVmRSS(status string) (int64, error) {
	for line := range strings.Lines(status) {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("%w: %q", ErrNoVmRSS, strings.TrimSpace(line))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 || kb > 1<<50 {
			return 0, fmt.Errorf("%w: %q", ErrNoVmRSS, strings.TrimSpace(line))
		}
		return kb << 10, nil
	}
	return 0, ErrNoVmRSS
}
