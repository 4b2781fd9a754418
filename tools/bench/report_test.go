package bench

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 100000: "100,000"} {
		assert.Equal(t, want, thousands(n), "thousands(%d)", n)
	}
}

func TestMedianAndRotate(t *testing.T) {
	rows := []Row{{Value: 3, P99: 3}, {Value: 1, P99: 1}, {Value: 2, P99: 2}}
	m := median(rows)
	if m.Value != 2 || m.P99 != 2 || len(m.Rounds) != 3 || m.Rounds[0] != 3 {
		t.Errorf("median = %+v, want the row of value 2 with every round", m)
	}
	assert.EqualValues(t, 1, median(rows[:2]).Value, "median of two: the lower")
	// Paced rows are judged on their p99: the median is the round's with
	// the median p99, whatever its rate.
	paced := []Row{
		{Group: GroupPaced, Value: 20, P99: 5}, {Group: GroupPaced, Value: 19, P99: 9}, {Group: GroupPaced, Value: 21, P99: 7},
	}
	m = median(paced)
	if m.P99 != 7 || m.Value != 21 || !slices.Equal(m.RoundP99, []time.Duration{5, 9, 7}) || !slices.Equal(m.Rounds, []float64{20, 19, 21}) {
		t.Errorf("median of paced rows = %+v, want the round of p99 7 with every round's rate and p99", m)
	}
	assert.Equal(t, []string{"b", "c", "a"}, rotate([]string{"a", "b", "c"}, 4), "rotate by 4")
}

// testRows has every group but idle echo, with two Ace servers in the
// echo and HTTP ones, whose goals come out differently.
func testRows() []Row {
	rows := []Row{
		{Group: GroupEcho, Server: AceEcho, Ace: true, Value: 120, Allocs: 0, HasAllocs: true},
		{Group: GroupEcho, Server: AceEchoLoop, Ace: true, Value: 160, Allocs: 0.5, HasAllocs: true},
		{Group: GroupEcho, Server: PlainEcho, Value: 100},
		{Group: GroupEcho, Server: GnetEcho, Value: 150},
		{Group: GroupKeepAlive, Server: AceHTTP, Ace: true, Value: 200, P99: time.Millisecond},
		{Group: GroupKeepAlive, Server: AceHTTPReuse, Ace: true, Value: 180, P99: 3 * time.Millisecond},
		{Group: GroupKeepAlive, Server: NetHTTP, Value: 100, P99: 2 * time.Millisecond},
		{Group: GroupKeepAlive, Server: FastHTTP, Value: 190},
		{Group: GroupPipelined, Server: AceHTTP, Ace: true, Value: 500},
		{Group: GroupPipelined, Server: AceHTTPReuse, Ace: true, Value: 700},
		{Group: GroupPipelined, Server: NetHTTP, Value: 100},
		{Group: GroupPipelined, Server: FastHTTP, Value: 600},
		{Group: GroupPaced, Server: AceHTTP, Ace: true, Value: 20, P99: time.Millisecond,
			RoundP99: []time.Duration{time.Millisecond, 3 * time.Millisecond, time.Millisecond}},
		{Group: GroupPaced, Server: AceHTTPReuse, Ace: true, Value: 20, P99: 3 * time.Millisecond},
		{Group: GroupPaced, Server: NetHTTP, Value: 20, P99: 2 * time.Millisecond,
			RoundP99: []time.Duration{2 * time.Millisecond, 2 * time.Millisecond, 2 * time.Millisecond}},
		{Group: GroupPaced, Server: FastHTTP, Value: 20, P99: 500 * time.Microsecond},
		{Group: GroupIdleHTTP, Server: AceHTTP, Ace: true, Value: 5000, Unit: "B/conn"},
		{Group: GroupIdleHTTP, Server: AceHTTPReuse, Ace: true, Value: 4000, Unit: "B/conn"},
		{Group: GroupIdleHTTP, Server: NetHTTP, Value: 10000, Unit: "B/conn"},
	}
	for i := range rows {
		switch {
		case rows[i].Unit != "":
		case rows[i].Group == GroupEcho:
			rows[i].Unit = "RT/s"
		default:
			rows[i].Unit = "req/s"
		}
	}
	return rows
}

// rowOf returns a pointer to the row of server in group, failing the test
// if there is none.
func rowOf(t *testing.T, rows []Row, group, server string) *Row {
	t.Helper()
	for i := range rows {
		if rows[i].Group == group && rows[i].Server == server {
			return &rows[i]
		}
	}
	t.Fatalf("no row of %s in %s", server, group)
	return nil
}

func TestGoals(t *testing.T) {
	goals := Goals(testRows())
	got := map[string]Goal{}
	for _, g := range goals {
		if _, dup := got[g.Name]; dup {
			t.Errorf("goal %q twice", g.Name)
		}
		got[g.Name] = g
	}
	want := map[string]string{
		"echo round trips/s ≥ 1.0x plain Go (ace-echo)":      "yes",
		"echo round trips/s ≥ 1.0x plain Go (ace-echo-loop)": "yes",
		"echo round trips/s ≥ gnet (ace-echo)":               "no",
		"echo round trips/s ≥ gnet (ace-echo-loop)":          "yes",
		"echo: 0 allocations per round trip (ace-echo)":      "yes",
		"echo: 0 allocations per round trip (ace-echo-loop)": "no",

		"http keep-alive req/s ≥ fasthttp (ace-http)":            "yes",
		"http keep-alive req/s ≥ fasthttp (ace-http-reuse)":      "no",
		"http keep-alive req/s ≥ 1.5x net/http (ace-http)":       "yes",
		"http keep-alive req/s ≥ 1.5x net/http (ace-http-reuse)": "yes",
		"http pipelined req/s ≥ fasthttp (ace-http)":             "no",
		"http pipelined req/s ≥ fasthttp (ace-http-reuse)":       "yes",
		"http pipelined req/s ≥ 1.5x net/http (ace-http)":        "yes",
		"http pipelined req/s ≥ 1.5x net/http (ace-http-reuse)":  "yes",
		"http p99 at the same load ≤ net/http (ace-http)":        "yes",
		"http p99 at the same load ≤ net/http (ace-http-reuse)":  "no",

		"idle memory per connection ≤ net/http (ace-http)":       "yes",
		"idle memory per connection ≤ net/http (ace-http-reuse)": "yes",
		"idle memory per connection ≤ 4 KiB (ace-http)":          "no",
		"idle memory per connection ≤ 4 KiB (ace-http-reuse)":    "yes",
	}
	for name, want := range want {
		g, ok := got[name]
		state := "no"
		switch {
		case !ok:
			t.Errorf("goal %q missing", name)
			continue
		case g.NA:
			state = "n/a"
		case g.Met:
			state = "yes"
		}
		if state != want {
			t.Errorf("goal %q: %s (%s), want %s", name, state, g.Got, want)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected goal %q (the idle echo ones have no row)", name)
		}
	}
	// The goals of a group's two Ace servers sit side by side.
	for _, pair := range [][2]string{{AceEcho, AceEchoLoop}, {AceHTTP, AceHTTPReuse}} {
		for i, g := range goals {
			if base, ok := strings.CutSuffix(g.Name, " ("+pair[0]+")"); ok {
				if i+1 == len(goals) || goals[i+1].Name != base+" ("+pair[1]+")" {
					t.Errorf("goal %q is not followed by its %s twin", g.Name, pair[1])
				}
			}
		}
	}
	for name, measured := range map[string]string{
		"http keep-alive req/s ≥ fasthttp (ace-http-reuse)":  "180 req/s vs 190 req/s fasthttp: 0.95x",
		"echo round trips/s ≥ gnet (ace-echo-loop)":          "160 RT/s vs 150 RT/s gnet-echo: 1.07x",
		"echo: 0 allocations per round trip (ace-echo-loop)": "0.500 allocs/op",
	} {
		assert.Equal(t, measured, got[name].Got, "goal %q measured", name)
	}
}

// TestGoalsWithoutP99 checks that a paced row without a p99 leaves its goal
// unjudged, saying why, rather than met or missed.
func TestGoalsWithoutP99(t *testing.T) {
	rows := testRows()
	rowOf(t, rows, GroupPaced, NetHTTP).P99 = 0
	n := 0
	for _, g := range Goals(rows) {
		if !strings.HasPrefix(g.Name, "http p99 at the same load") {
			continue
		}
		n++
		if !g.NA || !strings.Contains(g.Got, "no p99") {
			t.Errorf("goal %q: %+v, want n/a for want of a p99", g.Name, g)
		}
	}
	assert.Equal(t, 2, n, "latency goals: one for each Ace HTTP server")
}

// TestIdleEchoGoals checks that the idle memory of each Ace echo server is
// judged, and against 4 KiB only: the echo group has no net/http.
func TestIdleEchoGoals(t *testing.T) {
	rows := []Row{
		{Group: GroupIdleEcho, Server: AceEcho, Ace: true, Value: 3000, Unit: "B/conn"},
		{Group: GroupIdleEcho, Server: AceEchoLoop, Ace: true, Value: 5000, Unit: "B/conn"},
		{Group: GroupIdleEcho, Server: PlainEcho, Value: 8000, Unit: "B/conn"},
	}
	var got []string
	for _, g := range Goals(rows) {
		got = append(got, fmt.Sprintf("%s: %s, %v", g.Name, g.Got, g.Met))
	}
	want := []string{
		"idle memory per connection ≤ 4 KiB (ace-echo): 3,000 B/conn, true",
		"idle memory per connection ≤ 4 KiB (ace-echo-loop): 5,000 B/conn, false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("goals:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRatios(t *testing.T) {
	rows := testRows()
	for _, tc := range []struct {
		group, server string
		want          []float64
	}{
		{GroupEcho, PlainEcho, []float64{1.2, 1.6}}, // ace-echo, then ace-echo-loop
		{GroupEcho, AceEcho, nil},
		{GroupEcho, AceEchoLoop, nil},
		{GroupKeepAlive, NetHTTP, []float64{2, 1.8}}, // ace-http, then ace-http-reuse
		{GroupKeepAlive, AceHTTPReuse, nil},
		{GroupIdleHTTP, NetHTTP, []float64{0.5, 0.4}},
	} {
		assert.Equal(t, tc.want, Ratios(rows, *rowOf(t, rows, tc.group, tc.server)), "Ratios of %s in %s", tc.server, tc.group)
	}
	assert.Nil(t, Ratios(rows, Row{Group: GroupIdleEcho, Server: PlainEcho, Value: 1}), "Ratios in a group without an Ace row")
	assert.Nil(t, Ratios(rows, Row{Group: GroupKeepAlive, Server: NetHTTP}), "Ratios of a zero row")
}

func TestTableAndMarkdown(t *testing.T) {
	r := &Report{Config: Defaults(false), Rows: testRows(), Started: time.Now(), Finished: time.Now()}
	echo := rowOf(t, r.Rows, GroupEcho, AceEcho)
	echo.Rounds = []float64{110, 120, 130}
	echo.setCounters(Counters{
		SysRead: 50, SysWrite: 50, User: 300 * time.Microsecond, System: 500 * time.Microsecond,
		GCCycles: 1, GCCPU: 40 * time.Microsecond,
	}, 50)
	rowOf(t, r.Rows, GroupPipelined, FastHTTP).setCounters(Counters{Allocs: 0, SysRead: 1, SysWrite: 1}, 16)
	nh := rowOf(t, r.Rows, GroupKeepAlive, NetHTTP)
	nh.setCounters(Counters{
		Allocs: 120_000, SysRead: 10_000, SysWrite: 10_000, User: 40 * time.Millisecond, System: 20 * time.Millisecond,
		GCCycles: 7, GCCPU: 3 * time.Millisecond,
	}, 20_000)
	nh.LoadCPU = 7500 * time.Nanosecond
	rowOf(t, r.Rows, GroupIdleHTTP, AceHTTP).Idle = &IdleBreakdown{Heap: 4096, Stacks: 8192, Goroutines: 1}
	r.Goals = Goals(r.Rows)
	table := r.Table()
	for _, want := range []string{
		"| load | server | result | p50 | p99 | allocs/op | reads+writes/op | CPU/op user+sys | GCs/10k ops, GC CPU/op | wrk CPU/op | ace ÷ this |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
		"| echo | **ace-echo** | 120 RT/s | — | — | 0.00 | 1.00+1.00 | 6.00µs+10.00µs | 200.00, 0.80µs | — | — |",
		"| echo | **ace-echo-loop** | 160 RT/s | — | — | 0.50 | — | — | 0.00, 0.00µs | — | — |",
		"| echo | plain-echo | 100 RT/s | — | — | — | — | — | — | — | 1.20x / 1.60x |",
		"| echo | gnet-echo | 150 RT/s | — | — | — | — | — | — | — | 0.80x / 1.07x |",
		"| http keep-alive | **ace-http** | 200 req/s | — | 1.00ms | — | — | — | — | — | — |",
		"| http keep-alive | **ace-http-reuse** | 180 req/s | — | 3.00ms | — | — | — | — | — | — |",
		"| http keep-alive | nethttp | 100 req/s | — | 2.00ms | 6.00 | 0.50+0.50 | 2.00µs+1.00µs | 3.50, 0.15µs | 7.50µs | 2.00x / 1.80x |",
		"| http pipelined | fasthttp | 600 req/s | — | — | 0.00 | 0.06+0.06 | 0.00µs+0.00µs | 0.00, 0.00µs | — | 0.83x / 1.17x |",
		"| idle memory, http | nethttp | 10,000 B/conn | — | — | — | — | — | — | — | 0.50x / 0.40x |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	md := r.Markdown("go run ./tools/bench/cmd/bench -rounds 3", "Other work ran.")
	for _, want := range []string{
		"# Benchmarks", "`go run ./tools/bench/cmd/bench -rounds 3`", "Other work ran.",
		"## Goals", "| echo | ace-echo | 110 / 120 / 130", "| ace-http | 5,000 B/conn | 4,096 B/conn | 8,192 B/conn | 1.00 |",
		"| http p99 at the same load ≤ net/http (ace-http-reuse) | 3.00ms vs 2.00ms nethttp, at 20 req/s vs 20 req/s | no |",
		"| http p99 at the same load ≤ net/http (ace-http) | 1.00ms vs 2.00ms nethttp, at 20 req/s vs 20 req/s (round by round: no worse in 2 of 3) | yes |",
		"paced with 2ms of think time per connection (at most 25,000 req/s offered)",
		"| echo: 0 allocations per round trip (ace-echo-loop) | 0.500 allocs/op | no |",
		"one ratio for each, in the order of their rows: ace-echo / ace-echo-loop; ace-http / ace-http-reuse.",
		"ace-http-reuse is ace-http with http1.Config.ReuseRequests",
		"ace-echo-loop is ace-echo with core.Config.EventLoop",
		"- Go runtime settings: the defaults",
		"`GCs/10k ops, GC CPU/op` the garbage collections the server's Go runtime completed per 10,000 round trips or requests",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	r.Machine.GoEnv = []string{"GOGC=400", "GODEBUG=gctrace=1"}
	if md := r.Markdown("bench", ""); !strings.Contains(md, "- Go runtime settings from the environment, for every server and the echo load generator: `GOGC=400 GODEBUG=gctrace=1`") {
		t.Error("markdown does not give the Go runtime settings of the environment")
	}
	r.Machine.GoEnv = nil
	// The legend names only the groups with several Ace servers.
	r.Rows = slices.DeleteFunc(r.Rows, func(row Row) bool { return row.Server == AceHTTPReuse })
	if md := r.Markdown("bench", ""); !strings.Contains(md, "in the order of their rows: ace-echo / ace-echo-loop.") {
		t.Error("markdown does not explain the order of the Ace echo servers alone")
	}
	// With one Ace server per group, the legend has nothing to explain.
	r.Rows = slices.DeleteFunc(r.Rows, func(row Row) bool { return row.Server == AceEchoLoop })
	if md := r.Markdown("bench", ""); strings.Contains(md, "in the order of their rows") {
		t.Error("markdown explains the order of several Ace servers where every group has one")
	}
}

func TestPairedRatios(t *testing.T) {
	ace := Row{Rounds: []float64{100, 90, 120, 80, 110}}
	peer := Row{Rounds: []float64{100, 100, 100, 100, 100}}
	med, lo, hi, ok := PairedRatios(ace, peer)
	if !ok || med != 1.0 || lo != 0.8 || hi != 1.2 {
		t.Errorf("PairedRatios = %v, %v, %v, %v; want 1, 0.8, 1.2, true", med, lo, hi, ok)
	}
	// Drift: both halve from round to round; the paired ratios do not.
	ace = Row{Rounds: []float64{200, 100, 50, 25}}
	peer = Row{Rounds: []float64{100, 50, 25, 12.5}}
	if med, lo, hi, ok := PairedRatios(ace, peer); !ok || med != 2 || lo != 2 || hi != 2 {
		t.Errorf("PairedRatios under drift = %v, %v, %v, %v; want 2, 2, 2, true", med, lo, hi, ok)
	}
	for _, tc := range []struct{ a, b []float64 }{
		{[]float64{1}, []float64{1}},
		{[]float64{1, 2}, []float64{1, 2, 3}},
		{[]float64{1, 2}, []float64{1, 0}},
	} {
		_, _, _, ok := PairedRatios(Row{Rounds: tc.a}, Row{Rounds: tc.b})
		assert.False(t, ok, "PairedRatios(%v, %v) reported ok", tc.a, tc.b)
	}
	// Each Ace server gets its own round-by-round ratios.
	rows := []Row{
		{Group: GroupEcho, Server: AceEcho, Ace: true, Value: 100, Unit: "RT/s", Rounds: []float64{100, 90, 120}},
		{Group: GroupEcho, Server: AceEchoLoop, Ace: true, Value: 150, Unit: "RT/s", Rounds: []float64{150, 140, 160}},
		{Group: GroupEcho, Server: GnetEcho, Value: 100, Unit: "RT/s", Rounds: []float64{100, 100, 100}},
		{Group: GroupKeepAlive, Server: AceHTTP, Ace: true, Value: 100, Unit: "req/s", Rounds: []float64{100, 90, 120}},
		{Group: GroupKeepAlive, Server: AceHTTPReuse, Ace: true, Value: 200, Unit: "req/s", Rounds: []float64{200, 220, 180}},
		{Group: GroupKeepAlive, Server: FastHTTP, Value: 100, Unit: "req/s", Rounds: []float64{100, 100, 100}},
	}
	want := map[string]string{
		"echo round trips/s ≥ gnet (ace-echo)":              "round by round: median 1.00x, 0.90x to 1.20x",
		"echo round trips/s ≥ gnet (ace-echo-loop)":         "round by round: median 1.50x, 1.40x to 1.60x",
		"http keep-alive req/s ≥ fasthttp (ace-http)":       "round by round: median 1.00x, 0.90x to 1.20x",
		"http keep-alive req/s ≥ fasthttp (ace-http-reuse)": "round by round: median 2.00x, 1.80x to 2.20x",
	}
	for _, g := range Goals(rows) {
		if w, ok := want[g.Name]; ok {
			if !strings.Contains(g.Got, w) {
				t.Errorf("goal %q: %q lacks %q", g.Name, g.Got, w)
			}
			delete(want, g.Name)
		}
	}
	for name := range want {
		t.Errorf("goal %q missing", name)
	}
}

// testInstrRows has instruction counts of every load, two Ace servers in
// the echo and keep-alive ones.
func testInstrRows() []Row {
	b := &InstrBreakdown{CatServer: 1000, CatScheduler: 500.4, CatSyscall: 300, CatAlloc: 100, CatPool: 50, CatTime: 40, CatOther: 10}
	return []Row{
		{Group: GroupEcho, Server: AceEcho, Ace: true, Value: 4000, Unit: unitInstrRT, Instr: b, Rounds: []float64{4100, 4000, 3900.4}},
		{Group: GroupEcho, Server: AceEchoLoop, Ace: true, Value: 3000, Unit: unitInstrRT, Instr: b},
		{Group: GroupEcho, Server: PlainEcho, Value: 2000, Unit: unitInstrRT, Instr: b},
		{Group: GroupKeepAlive, Server: AceHTTP, Ace: true, Value: 9000, Unit: unitInstrReq, Instr: b},
		{Group: GroupKeepAlive, Server: AceHTTPReuse, Ace: true, Value: 6000, Unit: unitInstrReq, Instr: b},
		{Group: GroupKeepAlive, Server: FastHTTP, Value: 6000, Unit: unitInstrReq, Instr: b, Note: "wrk counted 1 socket errors"},
		{Group: GroupPipelined, Server: NetHTTP, Value: 30000, Unit: unitInstrReq},
	}
}

func TestInstrTables(t *testing.T) {
	r := &Report{Config: Defaults(true), Instr: testInstrRows(), Started: time.Now(), Finished: time.Now()}
	table := r.InstrTable()
	for _, want := range []string{
		"| load | server | instructions | rounds | ace ÷ this |",
		"| echo | **ace-echo** | 4,000 instr/RT | 3,900–4,100 | — |",
		"| echo | **ace-echo-loop** | 3,000 instr/RT | — | — |",
		"| echo | plain-echo | 2,000 instr/RT | — | 2.00x / 1.50x |",
		"| http keep-alive | **ace-http-reuse** | 6,000 instr/req | — | — |",
		"| http keep-alive | fasthttp | 6,000 instr/req (wrk counted 1 socket errors) | — | 1.50x / 1.00x |",
		"| http pipelined | nethttp | 30,000 instr/req | — | — |", // no Ace row in its group
	} {
		if !strings.Contains(table, want) {
			t.Errorf("instruction table lacks %q:\n%s", want, table)
		}
	}
	breakdown := r.InstrBreakdownTable()
	for _, want := range []string{
		"| load | server | total | server code | scheduler, netpoll | syscalls | alloc, GC | sync.Pool | time | other |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
		"| echo | **ace-echo** | 4,000 | 1,000 | 500 | 300 | 100 | 50 | 40 | 10 |",
	} {
		if !strings.Contains(breakdown, want) {
			t.Errorf("breakdown lacks %q:\n%s", want, breakdown)
		}
	}
	if strings.Contains(breakdown, "nethttp") {
		t.Errorf("breakdown has a row without one:\n%s", breakdown)
	}

	r.Skipped = []string{"instr: no valgrind"}
	md := r.Markdown("go run ./tools/bench/cmd/bench -tests instr", "")
	for _, want := range []string{
		"## Instructions per round trip or request (callgrind)", "**lower is better**",
		"in the order of their rows: ace-echo / ace-echo-loop; ace-http / ace-http-reuse.",
		"### Where the instructions go", "`Categorize`",
		"- Instructions: each server under callgrind, each load on 1 connection for 1s, median of 1 rounds",
		"- Left out: instr: no valgrind",
		"- **instructions** (test `instr`): Each server runs alone under valgrind's callgrind",
		"| echo | ace-echo | 4,100 / 4,000 / 3,900 instr/RT |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// Without the other loads' rows, their table and legend are left out.
	if strings.Contains(md, "## Results") {
		t.Error("markdown has an empty results table")
	}

	r.Instr = nil
	assert.Empty(t, r.InstrTable(), "instruction table without instruction rows")
	assert.Empty(t, r.InstrBreakdownTable(), "breakdown table without instruction rows")
	if md := r.Markdown("bench", ""); strings.Contains(md, "## Instructions") || strings.Contains(md, "- Instructions:") {
		t.Error("markdown has an instruction section without instruction rows")
	} else if strings.Contains(md, "## Every round") {
		t.Error("markdown has an empty table of every round")
	}
}

func TestInstrRow(t *testing.T) {
	row := instrRow(GroupKeepAlive, AceHTTP, unitInstrReq, readFixture(t), 2)
	if !row.Ace || row.Value != 253 || row.Count != 2 || row.Unit != unitInstrReq {
		t.Errorf("row %+v, want Ace, 506/2 instructions per request", row)
	}
	if row.Instr == nil || row.Instr[CatServer] != 105 || row.Instr[CatOther] != 59.5 {
		t.Errorf("breakdown %v, want 105 of server code and 59.5 of other per request", row.Instr)
	}
}
