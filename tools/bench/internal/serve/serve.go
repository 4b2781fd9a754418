// Package serve is the skeleton shared by the harness's server programs: the
// flags, the file limit, the address line, the control commands on standard
// input, and the profiles.
//
// A server program prints "listening on <host:port>" and then answers one
// line for each line it reads:
//
//	stats        a JSON object of counters: see [Stats]
//	gc           ok, once garbage is collected and free memory returned to the OS
//	heap <file>  ok, once a heap profile is written to file (after a GC)
//	quit         stops the server and exits; so does the end of the input
package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is a running server.
type Server interface {
	// Addr is the address it listens on.
	Addr() net.Addr
	// Accepted counts the connections it has taken.
	Accepted() uint64
	// Close stops it.
	Close() error
}

// StartFunc starts a server listening on addr, a host:port on loopback.
type StartFunc func(ctx context.Context, addr string) (Server, error)

// Main runs a server program named name: it parses the flags, starts the
// server with start and serves the control commands until told to quit. It
// exits the process.
func Main(name string, start StartFunc) {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("server", name)
	if err := run(name, start); err != nil {
		log.Error("failed", "err", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func run(name string, start StartFunc) (err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	port := fs.Int("port", 0, "TCP `port` to listen on, on 127.0.0.1; 0 picks a free one")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to `file` when the server stops")
	memProfile := fs.String("memprofile", "", "write an allocation profile to `file` when the server stops")
	memProfileRate := fs.Int("memprofilerate", 0, "sample one allocation every `bytes` in memory profiles; 0 keeps Go's default")
	ignoreSIGPIPE := fs.Bool("ignore-sigpipe", false, "ignore SIGPIPE: a write to a closed connection fails without a signal (callgrind 3.19 crashes on Go's signal handlers)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	if *ignoreSIGPIPE {
		// Go's handler ignores SIGPIPE on sockets anyway; ignoring it in
		// the kernel spares the signal's delivery.
		signal.Ignore(syscall.SIGPIPE)
	}
	if err := RaiseFileLimit(); err != nil {
		return err
	}
	if *memProfileRate > 0 {
		runtime.MemProfileRate = *memProfileRate
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("cpu profile: %w", cerr)
			}
		}()
	}
	if *memProfile != "" {
		defer func() {
			if werr := writeAllocProfile(*memProfile); err == nil {
				err = werr
			}
		}()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := start(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := srv.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close: %w", cerr)
		}
	}()
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(out, "listening on %s\n", srv.Addr())
	if err := out.Flush(); err != nil {
		return err
	}
	return control(ctx, srv, out)
}

// control serves the commands read from standard input until "quit", the
// end of the input, or ctx is done.
func control(ctx context.Context, srv Server, out *bufio.Writer) error {
	lines := make(chan string)
	// The reader goroutine ends when standard input does; the process
	// exits soon after control returns in any case.
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		var cmd string
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			cmd = line
		}
		verb, arg, _ := strings.Cut(cmd, " ")
		switch verb {
		case "quit":
			return nil
		case "stats":
			b, err := json.Marshal(ReadStats(srv))
			if err != nil {
				return err
			}
			out.Write(b)
			out.WriteByte('\n')
		case "gc":
			debug.FreeOSMemory()
			out.WriteString("ok\n")
		case "heap":
			if err := writeHeapProfile(arg); err != nil {
				fmt.Fprintf(out, "error %v\n", err)
			} else {
				out.WriteString("ok\n")
			}
		default:
			fmt.Fprintf(out, "error unknown command %q\n", cmd)
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
}

// Stats is the answer to the "stats" command.
type Stats struct {
	// Accepted counts the connections the server has taken.
	Accepted uint64 `json:"accepted"`
	// Allocs counts the heap allocations the program has made.
	Allocs uint64 `json:"allocs"`
	// Goroutines is how many goroutines exist.
	Goroutines uint64 `json:"goroutines"`
	// HeapBytes is the memory of heap objects, live or not yet swept
	// (all live just after a GC).
	HeapBytes uint64 `json:"heap_bytes"`
	// StackBytes is the memory of goroutine stacks.
	StackBytes uint64 `json:"stack_bytes"`
	// GCCycles counts the garbage collections completed, forced ones
	// included.
	GCCycles uint64 `json:"gc_cycles"`
	// GCCPU is the CPU time the garbage collector has used, in
	// nanoseconds in JSON: the runtime's own estimate, brought up to date
	// as each cycle ends. It counts a stop-the-world pause as GOMAXPROCS
	// times its length and includes the marking done on otherwise idle
	// processors, so it is not the share of the process's user and system
	// time that the GC took, only close to it.
	GCCPU time.Duration `json:"gc_cpu_ns"`
	// GCPause estimates the total time the world was stopped for the
	// garbage collector, in nanoseconds in JSON. The runtime keeps only a
	// histogram of the pauses; each is counted as the middle of its
	// bucket, and a bucket spans at most a quarter of a power of two
	// (Go 1.26), so the sum is within 12.5% when the pauses last more
	// than a quarter of a microsecond, as they do.
	GCPause time.Duration `json:"gc_pause_ns"`
}

// The runtime metrics behind Stats, read without stopping the world.
var statMetrics = []string{
	"/gc/heap/allocs:objects",
	"/gc/heap/tiny/allocs:objects",
	"/sched/goroutines:goroutines",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/gc/cycles/total:gc-cycles",
	"/cpu/classes/gc/total:cpu-seconds",
	"/sched/pauses/total/gc:seconds",
}

// ReadStats reads srv's counters and the runtime's.
func ReadStats(srv Server) Stats {
	s := make([]metrics.Sample, len(statMetrics))
	for i, name := range statMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	v := func(i int) uint64 {
		if s[i].Value.Kind() == metrics.KindUint64 {
			return s[i].Value.Uint64()
		}
		return 0
	}
	var gcCPU, gcPause float64
	if s[6].Value.Kind() == metrics.KindFloat64 {
		gcCPU = s[6].Value.Float64()
	}
	if s[7].Value.Kind() == metrics.KindFloat64Histogram {
		gcPause = histogramSum(s[7].Value.Float64Histogram())
	}
	return Stats{
		Accepted:   srv.Accepted(),
		Allocs:     v(0) + v(1),
		Goroutines: v(2),
		HeapBytes:  v(3),
		StackBytes: v(4),
		GCCycles:   v(5),
		GCCPU:      seconds(gcCPU),
		GCPause:    seconds(gcPause),
	}
}

// histogramSum estimates the sum of the samples of h, counting each sample
// as the middle of its bucket, or as the bucket's finite boundary when the
// other one is infinite.
func histogramSum(h *metrics.Float64Histogram) float64 {
	var sum float64
	for i, n := range h.Counts {
		if n == 0 {
			continue
		}
		lo, hi := h.Buckets[i], h.Buckets[i+1]
		mid := (lo + hi) / 2
		switch {
		case math.IsInf(lo, -1) && math.IsInf(hi, 1):
			mid = 0
		case math.IsInf(lo, -1):
			mid = hi
		case math.IsInf(hi, 1):
			mid = lo
		}
		sum += float64(n) * mid
	}
	return sum
}

// seconds converts s seconds to a Duration, rounded to the nanosecond.
func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}

// writeHeapProfile collects garbage and writes a heap profile to path.
func writeHeapProfile(path string) error {
	if path == "" {
		return errors.New("heap: no file")
	}
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// writeAllocProfile writes the allocation profile to path.
func writeAllocProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("memory profile: %w", err)
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		_ = f.Close()
		return fmt.Errorf("memory profile: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("memory profile: %w", err)
	}
	return nil
}

// RaiseFileLimit raises the soft limit on open files to the hard limit, so
// that the server can hold the harness's idle connections.
func RaiseFileLimit() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("getrlimit: %w", err)
	}
	if lim.Cur >= lim.Max {
		return nil
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("setrlimit: %w", err)
	}
	return nil
}
