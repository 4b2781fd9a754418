package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ace-go/ace/tools/bench/internal/serve"
)

// The tests the harness can run; Config.Tests picks among them.
const (
	TestEcho = "echo" // echo round trips
	TestHTTP = "http" // HTTP keep-alive and pipelined, with wrk
	TestIdle = "idle" // resident memory per idle connection
	// TestInstr counts the instructions each server executes per echo
	// round trip and HTTP request, under valgrind's callgrind.
	TestInstr = "instr"
)

// defaultTests are the tests of a run whose Config.Tests is empty. The
// short mode adds TestInstr when valgrind is installed.
var defaultTests = []string{TestEcho, TestHTTP, TestIdle}

// The groups of rows of the table, each the Ace servers against their peers:
// two Ace servers for echo, two for HTTP.
const (
	GroupEcho      = "echo"
	GroupKeepAlive = "http keep-alive"
	GroupPipelined = "http pipelined"
	// GroupBrowser is keep-alive with the header fields a browser sends
	// (BrowserHeaders), where wrk's own requests carry only Host: what
	// parsing and keeping header fields costs. No goal is judged on it.
	GroupBrowser = "http browser"
	// GroupPaced is keep-alive at the same load for every server
	// (Config.Think): what the latency goal is judged on.
	GroupPaced    = "http paced"
	GroupIdleEcho = "idle memory, echo"
	GroupIdleHTTP = "idle memory, http"
)

// Server names: the server programs under cmd/.
const (
	// AceEcho serves each connection from a goroutine of its own.
	AceEcho = "ace-echo"
	// AceEchoLoop serves with core.Config.EventLoop: its connections are
	// served from the endpoint's event loops, one per GOMAXPROCS.
	AceEchoLoop = "ace-echo-loop"
	PlainEcho   = "plain-echo"
	GnetEcho    = "gnet-echo"
	// AceHTTP serves under net/http's contract: a handler may keep the
	// request after it returns.
	AceHTTP = "ace-http"
	// AceHTTPReuse serves with http1.Config.ReuseRequests, under
	// fasthttp's contract: a handler keeps nothing of the request past its
	// return, and the server reuses it.
	AceHTTPReuse = "ace-http-reuse"
	NetHTTP      = "nethttp"
	FastHTTP     = "fasthttp"
)

var (
	aceEchoServers = []string{AceEcho, AceEchoLoop}
	echoServers    = append(slices.Clone(aceEchoServers), PlainEcho, GnetEcho)
	aceHTTPServers = []string{AceHTTP, AceHTTPReuse}
	httpServers    = append(slices.Clone(aceHTTPServers), NetHTTP, FastHTTP)
)

// isAce reports whether server is one of Ace's server programs, whose rows
// the ratios and goals compare to their peers.
func isAce(server string) bool {
	return slices.Contains(aceEchoServers, server) || slices.Contains(aceHTTPServers, server)
}

// cmdPackage is the import path of the server programs' parent directory.
const cmdPackage = "github.com/ace-go/ace/tools/bench/cmd/"

// Config configures a run of the harness. Start from Defaults.
type Config struct {
	// Short runs every part briefly, to check that the harness works; its
	// numbers mean little.
	Short bool
	// Duration is how long each measured load runs. wrk counts in whole
	// seconds, so HTTP loads run at least one.
	Duration time.Duration
	// Warmup runs before each measured load, on the same server process.
	Warmup time.Duration
	// Rounds is how many times each load runs on each server, in turn;
	// the table reports the median round.
	Rounds int
	// Conns is how many connections each load keeps busy.
	Conns int
	// Size is the echo message size in bytes.
	Size int
	// MaxRoundTrips bounds each echo measurement; 0 means no bound.
	MaxRoundTrips int64
	// Threads is wrk's thread count.
	Threads int
	// Pipeline is how many requests the pipelined HTTP load sends back to
	// back.
	Pipeline int
	// Think is how long each connection of the paced HTTP load waits
	// after each response before its next request, in whole milliseconds
	// (wrk's): the load offered is the same for every server, at most
	// Conns/Think requests per second, and the servers' latencies are
	// compared at it.
	Think time.Duration
	// Idle is how many idle connections the memory measurement opens.
	Idle int
	// IdleWait is how long the idle connections stay silent before each
	// memory reading: long enough for the servers to settle into their
	// idle state (Ace's hibernate after 1 to 2 seconds).
	IdleWait time.Duration
	// Tests picks the tests to run (TestEcho, TestHTTP, TestIdle,
	// TestInstr). Empty means TestEcho, TestHTTP and TestIdle, and in the
	// short mode also TestInstr when valgrind is installed (it is left out,
	// with the reason in Report.Skipped, when it is not).
	Tests []string
	// InstrDuration is how long each load runs under callgrind, for
	// TestInstr; wrk counts in whole seconds, so HTTP loads run at least
	// one.
	InstrDuration time.Duration
	// InstrRounds is how many times TestInstr measures each server; the
	// report gives the median.
	InstrRounds int
	// ProfileDir, when set, gets CPU and allocation profiles of the Ace
	// servers under the same loads, taken in runs of their own after the
	// measurements, and their top entries go into the report.
	ProfileDir string
	// Wrk is the wrk executable; empty looks it up in PATH.
	Wrk string
	// Valgrind is the valgrind executable, for TestInstr; empty looks it
	// up in PATH.
	Valgrind string
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// Defaults returns the default configuration, or the short one.
func Defaults(short bool) Config {
	if short {
		return Config{
			Short: true, Duration: 300 * time.Millisecond, Rounds: 1,
			Conns: 8, Size: 64, MaxRoundTrips: 1_000_000, Threads: 2, Pipeline: 16, Think: time.Millisecond, Idle: 300,
			InstrDuration: time.Second, InstrRounds: 1,
		}
	}
	return Config{
		// Seven short rounds rather than a few long ones: on a shared
		// machine the background load drifts by 10% and more over
		// minutes, and the median of many rotating rounds follows it
		// better (on the same 2-vCPU machine, a run of five rounds put
		// ace-echo-loop at 0.94x gnet, a later one of eleven at 1.08x;
		// single runs of one server swing by ±15%).
		Duration: 4 * time.Second, Warmup: time.Second, Rounds: 7,
		// A think time of 2ms on 50 connections offers at most 25,000
		// requests per second: about half what net/http serves on 2
		// cores, so that every server keeps up.
		Conns: 50, Size: 64, MaxRoundTrips: 100_000_000, Threads: 2, Pipeline: 16, Think: 2 * time.Millisecond, Idle: 10_000,
		IdleWait: 3 * time.Second,
		// Callgrind's counts vary from run to run in the scheduler's
		// share only, not with the machine's load: the median of three
		// rounds of five seconds steadies them.
		InstrDuration: 5 * time.Second, InstrRounds: 3,
	}
}

// defaultTests returns the tests of a run whose Tests is empty, and those
// it leaves out with the reason.
func (c *Config) defaultTests() (tests, skipped []string) {
	tests = slices.Clone(defaultTests)
	if !c.Short {
		return tests, nil
	}
	if _, err := LookCallgrind(c.Valgrind); err != nil {
		c.Logger.Warn("not counting instructions", "err", err)
		return tests, []string{fmt.Sprintf("%s: %v", TestInstr, err)}
	}
	return append(tests, TestInstr), nil
}

// runs reports whether the run does test. Run fills in Tests first.
func (c *Config) runs(test string) bool {
	return slices.Contains(c.Tests, test)
}

func (c *Config) validate() error {
	for _, t := range c.Tests {
		if t != TestEcho && t != TestHTTP && t != TestIdle && t != TestInstr {
			return fmt.Errorf("bench: unknown test %q (want %s, %s, %s or %s)", t, TestEcho, TestHTTP, TestIdle, TestInstr)
		}
	}
	switch {
	case c.Duration <= 0:
		return errors.New("bench: duration must be positive")
	case c.Warmup < 0:
		return errors.New("bench: warmup must not be negative")
	case c.Rounds < 1 || c.Rounds > 100:
		return errors.New("bench: rounds must be 1 to 100")
	case c.Conns < 1 || c.Conns > 10_000:
		return errors.New("bench: conns must be 1 to 10000")
	case c.Size < 1 || c.Size > 1<<20:
		return errors.New("bench: size must be 1 to 1048576 bytes")
	case c.Threads < 1 || c.Pipeline < 1:
		return errors.New("bench: threads and pipeline must be positive")
	case c.Think < time.Millisecond || c.Think > time.Second:
		return errors.New("bench: think must be 1ms to 1s")
	case c.Idle < 1 || c.Idle > 200_000:
		return errors.New("bench: idle must be 1 to 200000")
	case c.InstrDuration <= 0:
		return errors.New("bench: instr-duration must be positive")
	case c.InstrRounds < 1 || c.InstrRounds > 100:
		return errors.New("bench: instr-rounds must be 1 to 100")
	}
	return nil
}

// harness is one run in progress.
type harness struct {
	cfg    Config
	log    *slog.Logger
	bins   string // directory of the server programs
	wrk    string
	report *Report
	block  int // the last source-address block used for idle connections
	// callgrind runs the servers whose instructions TestInstr counts.
	callgrind Callgrind

	// procs lists every server process started, so that Run stops any
	// still running however it returns, panics included.
	procs []*Process
}

// Run builds the server programs, runs the configured loads against each,
// one server at a time, and returns the report. Every process it starts is
// ended before it returns, whatever happens, and it stops early when ctx is
// done.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var skipped []string
	if len(cfg.Tests) == 0 {
		cfg.Tests, skipped = cfg.defaultTests()
	}
	h := &harness{cfg: cfg, log: cfg.Logger, report: &Report{Config: cfg, Started: time.Now(), Skipped: skipped}}
	if cfg.runs(TestInstr) {
		var err error
		if h.callgrind, err = LookCallgrind(cfg.Valgrind); err != nil {
			return nil, err
		}
	}
	if cfg.runs(TestHTTP) || cfg.runs(TestInstr) {
		path := cfg.Wrk
		if path == "" {
			path = "wrk"
		}
		var err error
		if h.wrk, err = exec.LookPath(path); err != nil {
			return nil, fmt.Errorf("bench: the HTTP loads need wrk (apt-get install wrk): %w", err)
		}
	}
	if cfg.runs(TestIdle) {
		if err := checkFileLimit(cfg.Idle); err != nil {
			return nil, err
		}
	}
	h.report.Machine = probeMachine(ctx, h.wrk)
	if h.callgrind.Valgrind != "" {
		h.report.Machine.Valgrind = commandLine(ctx, h.callgrind.Valgrind, "--version")
	}

	dir, err := os.MkdirTemp("", "ace-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)
	defer h.stopAll() // before the programs' directory goes
	h.bins = dir
	if err = WriteScripts(dir); err != nil {
		return nil, err
	}
	if err := h.build(ctx); err != nil {
		return nil, err
	}

	if cfg.runs(TestEcho) {
		if err := h.echo(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.runs(TestHTTP) {
		if err := h.http(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.runs(TestIdle) {
		if err := h.idle(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.runs(TestInstr) {
		if err := h.instr(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.ProfileDir != "" {
		if err := h.profile(ctx); err != nil {
			return nil, err
		}
	}
	h.report.Machine.LoadAfter = loadAverage()
	h.report.Finished = time.Now()
	h.report.Goals = Goals(h.report.Rows)
	return h.report, nil
}

// checkFileLimit raises this process's limit on open files and checks that
// it can hold n idle connections and their baseline.
func checkFileLimit(n int) error {
	if err := serve.RaiseFileLimit(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("bench: getrlimit: %w", err)
	}
	if need := uint64(n + max(n/100, 10) + 256); lim.Cur < need {
		return fmt.Errorf("bench: %d idle connections need %d open files; the limit is %d (ulimit -n)", n, need, lim.Cur)
	}
	return nil
}

// build compiles the server programs the configured tests need into h.bins.
func (h *harness) build(ctx context.Context) error {
	var names []string
	if h.cfg.runs(TestEcho) || h.cfg.runs(TestIdle) || h.cfg.runs(TestInstr) {
		names = append(names, echoServers...)
	}
	if h.cfg.runs(TestHTTP) || h.cfg.runs(TestIdle) || h.cfg.runs(TestInstr) {
		names = append(names, httpServers...)
	}
	args := []string{"build", "-o", h.bins + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, cmdPackage+n)
	}
	h.log.Info("building servers", "servers", strings.Join(names, " "))
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.SysProcAttr = childAttr()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("bench: go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// start starts the server program name, with extra flags.
func (h *harness) start(ctx context.Context, name string, flags ...string) (*Process, error) {
	p, err := StartServer(ctx, name, filepath.Join(h.bins, name), flags...)
	if err != nil {
		return nil, err
	}
	h.procs = append(h.procs, p)
	return p, nil
}

// stopAll stops every server process still running. Process.Stop is
// idempotent, so the ones already stopped cost nothing.
func (h *harness) stopAll() {
	for _, p := range h.procs {
		_ = p.Stop()
	}
	h.procs = nil
}

// rotate returns s turned left by r, so that each round starts with a
// different server and none is always the first on a cold machine.
func rotate(s []string, r int) []string {
	r %= len(s)
	return append(slices.Clone(s[r:]), s[:r]...)
}

// echo runs the echo load on every echo server.
func (h *harness) echo(ctx context.Context) error {
	runs := make(map[string][]Row)
	for round := range h.cfg.Rounds {
		for _, name := range rotate(echoServers, round) {
			row, err := h.echoOnce(ctx, name, nil)
			if err != nil {
				return err
			}
			h.log.Info("echo", "round", round+1, "server", name, "rt/s", int64(row.Value), "p99", row.P99)
			runs[name] = append(runs[name], row)
		}
	}
	for _, name := range echoServers {
		h.report.Rows = append(h.report.Rows, median(runs[name]))
	}
	return nil
}

// echoOnce runs the echo load once on a fresh process of server name.
func (h *harness) echoOnce(ctx context.Context, name string, flags []string) (Row, error) {
	p, err := h.start(ctx, name, flags...)
	if err != nil {
		return Row{}, err
	}
	defer p.Stop()
	if err := probeOnce(ctx, p.Addr, EchoProbe); err != nil {
		return Row{}, fmt.Errorf("bench: %s: %w", name, err)
	}
	var before, after Counters
	res, err := RunEcho(ctx, EchoLoad{
		Addr: p.Addr, Conns: h.cfg.Conns, Size: h.cfg.Size,
		Warmup: h.cfg.Warmup, Duration: h.cfg.Duration, MaxRoundTrips: h.cfg.MaxRoundTrips,
		OnMeasure:  func() (err error) { before, err = p.Counters(ctx); return err },
		OnMeasured: func() (err error) { after, err = p.Counters(ctx); return err },
	})
	if err != nil {
		return Row{}, fmt.Errorf("bench: echo load on %s: %w", name, err)
	}
	if res.RoundTrips == 0 {
		return Row{}, fmt.Errorf("bench: echo load on %s: no round trip completed", name)
	}
	if err := p.Stop(); err != nil {
		return Row{}, err
	}
	row := Row{
		Group: GroupEcho, Server: name, Ace: isAce(name),
		Value: res.PerSecond(), Unit: "RT/s", HigherIsBetter: true,
		P50: res.Latency.Percentile(50), P99: res.Latency.Percentile(99),
		Count: res.RoundTrips,
	}
	row.setCounters(after.Sub(before), res.RoundTrips)
	return row, nil
}

// httpGroups are the HTTP loads, in the order each server process runs
// them and the table shows them.
var httpGroups = []string{GroupKeepAlive, GroupBrowser, GroupPipelined, GroupPaced}

// BrowserHeaders are the header fields of GroupBrowser's requests, besides
// Host: those a browser sends for a script of the page's own site, some
// 400 bytes in all.
var BrowserHeaders = []string{
	"Connection: keep-alive",
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Accept: */*",
	"Sec-Fetch-Site: same-origin",
	"Sec-Fetch-Mode: no-cors",
	"Referer: http://127.0.0.1/",
	"Accept-Encoding: gzip, deflate, br, zstd",
	"Accept-Language: en-US,en;q=0.9",
	"Cookie: session=0123456789abcdef; theme=dark",
}

// http runs wrk, keep-alive (with wrk's requests and with a browser's),
// pipelined and paced, on every HTTP server.
func (h *harness) http(ctx context.Context) error {
	rows := make(map[string]map[string][]Row) // by group, then server
	for _, g := range httpGroups {
		rows[g] = make(map[string][]Row)
	}
	for round := range h.cfg.Rounds {
		for _, name := range rotate(httpServers, round) {
			got, err := h.httpOnce(ctx, name, nil, httpGroups...)
			if err != nil {
				return err
			}
			args := []any{"round", round + 1, "server", name}
			for i, g := range httpGroups {
				args = append(args, g+" req/s", int64(got[i].Value), g+" p99", got[i].P99)
				rows[g][name] = append(rows[g][name], got[i])
			}
			h.log.Info("http", args...)
		}
	}
	for _, g := range httpGroups {
		for _, name := range httpServers {
			h.report.Rows = append(h.report.Rows, median(rows[g][name]))
		}
	}
	return nil
}

// httpOnce runs wrk on a fresh process of server name: a warm-up, then the
// loads of groups, in order, returning their rows in the same order.
func (h *harness) httpOnce(ctx context.Context, name string, flags []string, groups ...string) ([]Row, error) {
	p, err := h.start(ctx, name, flags...)
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	if err := probeOnce(ctx, p.Addr, HTTPProbe); err != nil {
		return nil, fmt.Errorf("bench: %s: %w", name, err)
	}
	base := WrkLoad{
		URL:     "http://" + p.Addr + "/",
		Threads: h.cfg.Threads, Conns: h.cfg.Conns, Scripts: h.bins,
	}
	if h.cfg.Warmup > 0 {
		warm := base
		warm.Duration = h.cfg.Warmup
		if _, err := RunWrk(ctx, h.wrk, warm); err != nil {
			return nil, fmt.Errorf("bench: warm-up of %s: %w", name, err)
		}
	}
	base.Duration = h.cfg.Duration
	rows := make([]Row, 0, len(groups))
	for _, g := range groups {
		row, err := h.wrkRow(ctx, p, g, h.groupLoad(base, g))
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, p.Stop()
}

// groupLoad returns base, a keep-alive load, made into the load of group.
func (h *harness) groupLoad(base WrkLoad, group string) WrkLoad {
	switch group {
	case GroupPipelined:
		base.Pipeline = h.cfg.Pipeline
	case GroupPaced:
		base.Think = h.cfg.Think
	case GroupBrowser:
		base.Headers = BrowserHeaders
	}
	return base
}

// wrkRow runs one wrk load on p and makes its row.
func (h *harness) wrkRow(ctx context.Context, p *Process, group string, load WrkLoad) (Row, error) {
	before, err := p.Counters(ctx)
	if err != nil {
		return Row{}, err
	}
	res, err := RunWrk(ctx, h.wrk, load)
	if err != nil {
		return Row{}, fmt.Errorf("bench: %s on %s: %w", group, p.Name, err)
	}
	after, err := p.Counters(ctx)
	if err != nil {
		return Row{}, err
	}
	if res.Requests == 0 || res.Non2xx > 0 {
		return Row{}, fmt.Errorf("bench: %s on %s: %d requests, %d answered with an error status",
			group, p.Name, res.Requests, res.Non2xx)
	}
	// wrk corrects its latencies for coordinated omission assuming one
	// request per round trip. With pipelining that is wrong by the depth,
	// and its percentiles come out distorted (its p99 often as 0): they are
	// left out rather than shown.
	var p50, p99 time.Duration
	if load.Pipeline <= 1 {
		p50, p99 = res.Latency[50], res.Latency[99]
	}
	row := Row{
		Group: group, Server: p.Name, Ace: isAce(p.Name),
		Value: res.PerSecond, Unit: "req/s", HigherIsBetter: true,
		P50: p50, P99: p99,
		Count: res.Requests,
	}
	row.setCounters(after.Sub(before), res.Requests)
	row.LoadCPU = time.Duration(float64(res.CPU) / float64(res.Requests))
	if n := res.Errors(); n > 0 {
		row.Note = fmt.Sprintf("wrk counted %d socket errors", n)
	}
	return row, nil
}

// idle measures the memory of idle connections on every server.
func (h *harness) idle(ctx context.Context) error {
	for _, g := range []struct {
		group   string
		servers []string
		probe   Probe
	}{
		{GroupIdleEcho, echoServers, EchoProbe},
		{GroupIdleHTTP, httpServers, HTTPProbe},
	} {
		for _, name := range g.servers {
			res, err := h.idleOnce(ctx, name, g.probe, "")
			if err != nil {
				return err
			}
			b := res.Breakdown()
			row := Row{
				Group: g.group, Server: name, Ace: isAce(name),
				Value: res.PerConn(), Unit: "B/conn", Count: int64(res.Conns),
				Idle: &b,
			}
			if !res.BeforeStable || !res.AfterStable {
				row.Note = "resident memory still moving after " + rssPatience.String()
			}
			h.log.Info("idle", "server", name, "bytes/conn", int64(row.Value),
				"rss before", res.Before, "rss after", res.After)
			h.report.Rows = append(h.report.Rows, row)
		}
	}
	return nil
}

// idleOnce measures idle connections on a fresh process of server name;
// heapProfile, when not empty, gets a heap profile with them all open; flags
// go to the server program.
func (h *harness) idleOnce(ctx context.Context, name string, probe Probe, heapProfile string, flags ...string) (*IdleResult, error) {
	p, err := h.start(ctx, name, flags...)
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	h.block = h.block%254 + 1
	l := IdleLoad{Conns: h.cfg.Idle, Block: h.block, Probe: probe, Wait: h.cfg.IdleWait}
	if heapProfile != "" {
		l.AtPeak = func() error { return p.HeapProfile(ctx, heapProfile) }
	}
	res, err := MeasureIdle(ctx, p, l)
	if err != nil {
		return nil, fmt.Errorf("bench: idle connections on %s: %w", name, err)
	}
	return res, p.Stop()
}

// probeOnce checks that the server at addr answers probe.
func probeOnce(ctx context.Context, addr string, probe Probe) error {
	c, err := dialProbe(ctx, addr, nil, probe)
	if err != nil {
		return err
	}
	return c.Close()
}

// setCounters sets the row's allocations, garbage collections, system calls
// and CPU time per operation from the counts d over ops operations.
func (r *Row) setCounters(d Counters, ops int64) {
	if ops <= 0 {
		return
	}
	n := float64(ops)
	r.Allocs, r.HasAllocs = float64(d.Allocs)/n, true
	r.GCCycles, r.GCCPU = float64(d.GCCycles)/n, time.Duration(float64(d.GCCPU)/n)
	r.Reads, r.Writes, r.HasSyscalls = float64(d.SysRead)/n, float64(d.SysWrite)/n, true
	r.User, r.System = time.Duration(float64(d.User)/n), time.Duration(float64(d.System)/n)
}

// median returns the row with the median value (the lower one of the two
// middle rows for an even count), so that its latencies come from the same
// round as its throughput. Each round's value is kept in Rounds, and its p99
// in RoundP99. Paced rows are judged on their latency, not their
// throughput, which the think time sets: theirs is the row with the median
// p99.
func median(rows []Row) Row {
	key := func(r Row) float64 { return r.Value }
	if len(rows) > 0 && rows[0].Group == GroupPaced {
		key = func(r Row) float64 { return float64(r.P99) }
	}
	sorted := slices.Clone(rows)
	slices.SortFunc(sorted, func(a, b Row) int { return cmp.Compare(key(a), key(b)) })
	m := sorted[(len(sorted)-1)/2]
	m.Rounds, m.RoundP99 = nil, nil
	for _, r := range rows {
		m.Rounds = append(m.Rounds, r.Value)
		m.RoundP99 = append(m.RoundP99, r.P99)
	}
	return m
}
