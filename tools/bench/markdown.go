package bench

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Markdown renders the report as BENCHMARKS.md: the date, the machine, the
// exact command, the table, the goals, how each figure was measured, and the
// profiles when there are some. note, when not empty, is added as written.
func (r *Report) Markdown(command, note string) string {
	var b strings.Builder
	m := r.Machine
	c := r.Config
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Ace against the servers users would otherwise pick, one at a time on loopback, in one run on one machine (issue 5). Written by the harness in `tools/bench`; do not edit by hand.\n\n")
	fmt.Fprintf(&b, "- Date: %s (took %s)\n", r.Started.UTC().Format("2006-01-02 15:04 MST"),
		r.Finished.Sub(r.Started).Round(time.Second))
	fmt.Fprintf(&b, "- Machine: %s, %d logical CPUs (GOMAXPROCS %d), Linux %s\n", orUnknown(m.CPU), m.Cores, m.GOMAXPROCS, orUnknown(m.Kernel))
	fmt.Fprintf(&b, "- Go: %s", orUnknown(m.Go))
	if m.Wrk != "" {
		fmt.Fprintf(&b, "; wrk: %s", m.Wrk)
	}
	if m.Valgrind != "" {
		fmt.Fprintf(&b, "; %s", m.Valgrind)
	}
	b.WriteString("\n")
	if len(m.GoEnv) > 0 {
		fmt.Fprintf(&b, "- Go runtime settings from the environment, for every server and the echo load generator: `%s`\n", strings.Join(m.GoEnv, " "))
	} else {
		b.WriteString("- Go runtime settings: the defaults (no GOGC, GOMEMLIMIT, GOMAXPROCS or GODEBUG in the environment)\n")
	}
	fmt.Fprintf(&b, "- Load average (1, 5, 15 min) at the start: %s; at the end: %s\n", orUnknown(m.LoadBefore), orUnknown(m.LoadAfter))
	fmt.Fprintf(&b, "- Command, from the repository root: `%s`\n", command)
	fmt.Fprintf(&b, "- Settings: %s measured per load after %s of warm-up, median of %d rounds; %d connections; echo messages of %d bytes; wrk with %d threads, pipelined %d deep, paced with %s of think time per connection (at most %s req/s offered); %s idle connections, silent for %s before each reading\n",
		c.Duration, c.Warmup, c.Rounds, c.Conns, c.Size, c.Threads, c.Pipeline,
		c.Think, thousands(int64(WrkLoad{Conns: c.Conns, Think: c.Think}.OfferedRate())), thousands(int64(c.Idle)), c.IdleWait)
	if len(r.Instr) > 0 {
		fmt.Fprintf(&b, "- Instructions: each server under callgrind, each load on 1 connection for %s, median of %d rounds\n", c.InstrDuration, c.InstrRounds)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "- Left out: %s\n", s)
	}
	if c.Short {
		b.WriteString("- **Short mode**: a smoke test of the harness; these figures mean little.\n")
	}
	if note != "" {
		fmt.Fprintf(&b, "\n%s\n", note)
	}

	if len(r.Rows) > 0 {
		b.WriteString("\n## Results\n\n")
		b.WriteString(r.Table())
		b.WriteString("\n`ace ÷ this` divides the Ace server's figure by this row's: above 1 Ace is ahead on throughput, below 1 Ace is ahead on memory.")
		if orders := aceOrders(r.Rows); len(orders) > 0 {
			fmt.Fprintf(&b, " Where a group has several Ace servers (in bold), it gives one ratio for each, in the order of their rows: %s.", strings.Join(orders, "; "))
		}
		b.WriteString(" `allocs/op` counts the server's heap allocations per round trip or request over the measured load, from its Go runtime; `reads+writes/op` its read and write system calls (syscr and syscw of /proc/<pid>/io): below 1 write per request, responses share writes; `CPU/op` the server's CPU time per round trip or request in user and kernel mode (utime and stime of /proc/<pid>/stat, in 10 ms ticks, over the measured load); `GCs/10k ops, GC CPU/op` the garbage collections the server's Go runtime completed per 10,000 round trips or requests over the measured load, and the CPU time they used per round trip or request (/gc/cycles/total and /cpu/classes/gc/total of runtime/metrics; the runtime's estimate, brought up to date as each cycle ends, counts a stop-the-world pause as GOMAXPROCS times its length and includes marking done on otherwise idle processors: it approximates the GC's share of `CPU/op`, and may exceed it); `wrk CPU/op` wrk's own CPU time per request (from its rusage): the load generator shares the cores, so with the server's it bounds the rate. p50 and p99 are latencies (wrk's, corrected for coordinated omission); with pipelining they are not shown, since wrk's correction assumes one request per round trip and distorts them.\n")
	}

	if len(r.Goals) > 0 {
		b.WriteString("\n## Goals (issue 5)\n\n")
		b.WriteString(r.GoalsTable())
		b.WriteString("\nA goal is judged on the ratio of the medians. Round by round, the ratio of the two servers' figures in the same round (run seconds apart, the servers taking turns first) is also shown: on a shared machine whose load drifts, it varies less than the figures themselves.\n")
	}

	if t := r.IdleTable(); t != "" {
		b.WriteString("\n## Idle connections, per connection, as the Go runtime sees them\n\n")
		b.WriteString(t)
		b.WriteString("\nGrowth per idle connection between the two readings, from runtime/metrics after a GC: heap objects, goroutine stacks, goroutines. Resident memory also holds runtime overhead and free pages not yet returned.\n")
	}

	if t := r.InstrTable(); t != "" {
		b.WriteString("\n## Instructions per round trip or request (callgrind)\n\n")
		b.WriteString(t)
		b.WriteString("\nThe instructions the server executed per echo round trip or HTTP request, counted by valgrind's callgrind: **lower is better**, and `ace ÷ this` below 1 means the Ace server executes fewer than this one. Unlike timings, these counts hardly depend on the machine or its load. They vary from run to run only in the Go runtime's scheduler: within 1% for the pipelined loads, a few percent for keep-alive, up to a quarter for echo, whose round trips cost least (`rounds` gives the lowest and highest round); the servers' own code costs the same in every run.")
		if orders := aceOrders(r.Instr); len(orders) > 0 {
			fmt.Fprintf(&b, " Where a load has several Ace servers (in bold), it gives one ratio for each, in the order of their rows: %s.", strings.Join(orders, "; "))
		}
		b.WriteString("\n")
		b.WriteString("\n### Where the instructions go, per round trip or request\n\n")
		b.WriteString(r.InstrBreakdownTable())
		b.WriteString("\n" + categoryNotes)
	}

	every := false
	for _, row := range slices.Concat(r.Rows, r.Instr) {
		if len(row.Rounds) < 2 {
			continue
		}
		if !every {
			b.WriteString("\n## Every round\n\n| load | server | rounds |\n|---|---|---|\n")
			every = true
		}
		vals := make([]string, len(row.Rounds))
		for i, v := range row.Rounds {
			vals[i] = thousands(int64(v))
		}
		fmt.Fprintf(&b, "| %s | %s | %s %s |\n", row.Group, row.Server, strings.Join(vals, " / "), row.Unit)
	}

	b.WriteString("\n## How each figure is measured\n\n")
	b.WriteString(methodNotes)

	if len(r.Profiles) > 0 {
		b.WriteString("\n## Profiles of the Ace servers\n\nTaken in runs of their own after the measurements, under the same loads. Allocation profiles count what was allocated over the server's whole life (start-up included): objects (allocs), and bytes (alloc bytes), which set how often the garbage collector runs.\n")
		for _, p := range r.Profiles {
			fmt.Fprintf(&b, "\n### %s, %s, %s\n\n```\n%s\n```\n", p.Server, p.Load, p.Kind, p.Top)
		}
	}
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

const methodNotes = `- Every server is a small program under ` + "`tools/bench/cmd`" + `, built fresh by the harness and run alone, listening on 127.0.0.1, with GOMAXPROCS as the machine gives. The load generator runs on the same machine and shares its cores.
- **echo**: the harness's Go load generator keeps every connection busy in a closed loop: send one message, read it back in full, check every byte (each message differs from the one before), repeat. Round trips per second over the measured time; p50 and p99 of the round-trip time. ace-echo is core's endpoint on the TCP transport with the echo app in raw mode, a goroutine per connection; ace-echo-loop is ace-echo with core.Config.EventLoop, its connections served from the endpoint's event loops, one per GOMAXPROCS as gnet's are, holding no goroutine between packets, which the echo app allows since its callbacks never block; plain-echo is one goroutine per connection copying through a 4 KiB buffer (io.CopyBuffer; the splice path of io.Copy would hold a pipe, two more descriptors, for every idle connection); gnet-echo is gnet v2 with an event loop per core. The echo goals are judged for each of the two Ace servers.
- **http keep-alive / browser / pipelined / paced**: wrk with --latency, keep-alive connections, its requests carrying only Host; **http browser** is keep-alive with the nine header fields a browser sends for a script of the page's own site (User-Agent, Accept, Cookie and so on, some 400 bytes: ` + "`BrowserHeaders`" + ` in ` + "`tools/bench/harness.go`" + `), which shows what parsing and keeping header fields costs, and judges no goal (the issue's are on wrk's requests); pipelined sends 16 requests back to back through ` + "`tools/bench/pipeline.lua`" + `; wrk's latencies are left out for it (see above). **http paced** is the keep-alive load at the same rate for every server, for the latency goal: each connection waits the think time after each response before its next request (` + "`tools/bench/paced.lua`" + `), which offers at most connections ÷ think time requests per second, below what every server here serves on its own; the servers' p99 at that load is compared (the keep-alive rows' p99 is each server's at its own saturation, behind queues of different lengths), its row being the round with the median p99 and ` + "`ace ÷ this`" + ` showing that the rates matched. Every server answers GET / with 200 and the 13-byte body ` + "`Hello, World!`" + `: ace-http, ace-http-reuse and nethttp run the same net/http Handler; fasthttp an equivalent handler, without its Server header. ace-http serves under net/http's contract (a handler may keep the request past its return); ace-http-reuse is ace-http with http1.Config.ReuseRequests, under fasthttp's contract: its handlers promise to keep nothing of the request past their return, so the server reuses the *http.Request, its header map, URL and context, and the ResponseWriter for later requests. The HTTP goals are judged for each of the two.
- **instructions** (test ` + "`instr`" + `): ` + instrNotes + `
- **idle memory**: the harness opens a baseline of connections (1% of them, at least 10), then the idle connections, each doing one exchange (an echo, or a GET) so that the server has served it, not merely accepted it, and then staying silent, for the time the settings give before each reading, so that the servers settle into their idle state (an Ace server hibernates after 1 to 2 seconds without a byte: its goroutine ends, and its socket waits in the endpoint's epoll set; one on an event loop holds no goroutine from its first wait for input). Before each reading the server collects garbage and returns free memory to the OS (debug.FreeOSMemory); the reading is its VmRSS from /proc/<pid>/status once three readings 100 ms apart agree within 64 KiB. The figure is the growth between the two readings divided by the number of idle connections. Connections come from several 127.0.x.y source addresses so that ephemeral ports never run short.
`

const instrNotes = `Each server runs alone under valgrind's callgrind (GODEBUG=asyncpreemptoff=1: Go's preemption signals crash callgrind 3.19), one load at a time on one connection: the echo load generator, wrk keep-alive, wrk pipelined. Under callgrind a server runs some fifty times slower than the client, so with one connection each request arrives after the reply to the one before, as in the real runs; with many, every read would find several requests waiting and hide the per-packet costs. The harness zeroes the counters through vgdb once the load's connection is ready (for echo, after its warm-up; for wrk, just before it connects), dumps them when the load ends, and divides the instructions counted (event Ir) by the round trips or requests the load generator completed. Only user-mode instructions count: not the kernel's work in system calls, nor cache misses, nor time spent waiting; and callgrind runs one thread at a time, so the scheduler's share (spinning, stealing work, parking threads) differs from a native run.`

const categoryNotes = `Each function's own instructions (without its callees) go to one category, by its package and, in the runtime, by its source file: **server code** is Ace's packages, fasthttp's, gnet's, and net/http with net/textproto, net/url and httpguts; **scheduler, netpoll** the runtime's scheduler, network poller, locks, channels and stacks; **syscalls** internal/poll, syscall, net, golang.org/x/sys and the runtime's entersyscall/exitsyscall; **alloc, GC** the runtime's allocator, garbage collector and write barrier; **sync.Pool** sync.Pool with procPin/procUnpin; **time** package time, the clock and the runtime's timers (deadlines); **other** the rest (bufio, io, strings, strconv, errors, memmove, maps, interface conversions). The rules are those of ` + "`Categorize`" + ` in ` + "`tools/bench/category.go`" + `.
`
