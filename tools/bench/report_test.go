package bench

import (
	"strings"
	"testing"
	"time"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 100000: "100,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestMedianAndRotate(t *testing.T) {
	rows := []Row{{Value: 3, P99: 3}, {Value: 1, P99: 1}, {Value: 2, P99: 2}}
	m := median(rows)
	if m.Value != 2 || m.P99 != 2 || len(m.Rounds) != 3 || m.Rounds[0] != 3 {
		t.Errorf("median = %+v, want the row of value 2 with every round", m)
	}
	if m := median(rows[:2]); m.Value != 1 {
		t.Errorf("median of two = %v, want the lower", m.Value)
	}
	if got := strings.Join(rotate([]string{"a", "b", "c"}, 4), ""); got != "bca" {
		t.Errorf("rotate by 4 = %q, want bca", got)
	}
}

func testRows() []Row {
	rows := []Row{
		{Group: GroupEcho, Server: AceEcho, Ace: true, Value: 120, Allocs: 0, HasAllocs: true},
		{Group: GroupEcho, Server: PlainEcho, Value: 100},
		{Group: GroupEcho, Server: GnetEcho, Value: 150},
		{Group: GroupKeepAlive, Server: AceHTTP, Ace: true, Value: 200, P99: time.Millisecond},
		{Group: GroupKeepAlive, Server: NetHTTP, Value: 100, P99: 2 * time.Millisecond},
		{Group: GroupKeepAlive, Server: FastHTTP, Value: 190},
		{Group: GroupPipelined, Server: AceHTTP, Ace: true, Value: 500},
		{Group: GroupPipelined, Server: NetHTTP, Value: 100},
		{Group: GroupPipelined, Server: FastHTTP, Value: 600},
		{Group: GroupIdleHTTP, Server: AceHTTP, Ace: true, Value: 5000, Unit: "B/conn"},
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

func TestGoals(t *testing.T) {
	got := map[string]Goal{}
	for _, g := range Goals(testRows()) {
		got[g.Name] = g
	}
	for name, want := range map[string]string{
		"echo round trips/s ≥ 1.0x plain Go":            "yes",
		"echo round trips/s ≥ gnet":                     "no",
		"echo: 0 allocations per round trip":            "yes",
		"http keep-alive req/s ≥ fasthttp":              "yes",
		"http keep-alive req/s ≥ 1.5x net/http":         "yes",
		"http keep-alive p99 ≤ net/http":                "yes",
		"http pipelined req/s ≥ fasthttp":               "no",
		"http pipelined req/s ≥ 1.5x net/http":          "yes",
		"http pipelined p99 ≤ net/http":                 "n/a",
		"idle memory per connection ≤ net/http":         "yes",
		"idle memory per connection ≤ 4 KiB (ace-http)": "no",
	} {
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
	if _, ok := got["idle memory per connection ≤ 4 KiB (ace-echo)"]; ok {
		t.Error("goal on ace-echo's idle memory judged without its row")
	}
}

func TestTableAndMarkdown(t *testing.T) {
	r := &Report{Config: Defaults(false), Rows: testRows(), Started: time.Now(), Finished: time.Now()}
	r.Rows[0].Rounds = []float64{110, 120, 130}
	r.Rows[0].setCounters(Counters{SysRead: 50, SysWrite: 50, User: 300 * time.Microsecond, System: 500 * time.Microsecond}, 50)
	r.Rows[8].setCounters(Counters{Allocs: 0, SysRead: 1, SysWrite: 1}, 16)
	r.Rows[4].LoadCPU = 7500 * time.Nanosecond
	r.Rows[9].Idle = &IdleBreakdown{Heap: 4096, Stacks: 8192, Goroutines: 1}
	r.Goals = Goals(r.Rows)
	table := r.Table()
	for _, want := range []string{
		"| echo | **ace-echo** | 120 RT/s | — | — | 0.00 | 1.00+1.00 | 6.00µs+10.00µs | — | — |",
		"| echo | plain-echo | 100 RT/s | — | — | — | — | — | — | 1.20x |",
		"| http keep-alive | nethttp | 100 req/s | — | 2.00ms | — | — | — | 7.50µs | 2.00x |",
		"| http pipelined | fasthttp | 600 req/s | — | — | 0.00 | 0.06+0.06 | 0.00µs+0.00µs | — | 0.83x |",
		"| idle memory, http | nethttp | 10,000 B/conn | — | — | — | — | — | — | 0.50x |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	md := r.Markdown("go run ./tools/bench/cmd/bench -rounds 3", "Other work ran.")
	for _, want := range []string{
		"# Benchmarks", "`go run ./tools/bench/cmd/bench -rounds 3`", "Other work ran.",
		"## Goals", "| echo | ace-echo | 110 / 120 / 130", "| ace-http | 5,000 B/conn | 4,096 B/conn | 8,192 B/conn | 1.00 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
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
		if _, _, _, ok := PairedRatios(Row{Rounds: tc.a}, Row{Rounds: tc.b}); ok {
			t.Errorf("PairedRatios(%v, %v) reported ok", tc.a, tc.b)
		}
	}
	rows := []Row{
		{Group: GroupEcho, Server: AceEcho, Ace: true, Value: 100, Unit: "RT/s", Rounds: []float64{100, 90, 120}},
		{Group: GroupEcho, Server: "gnet-echo", Value: 100, Unit: "RT/s", Rounds: []float64{100, 100, 100}},
	}
	found := false
	for _, g := range Goals(rows) {
		if strings.Contains(g.Name, "gnet") {
			found = true
			if !strings.Contains(g.Got, "round by round: median 1.00x, 0.90x to 1.20x") {
				t.Errorf("goal %q: %q lacks the round-by-round ratios", g.Name, g.Got)
			}
		}
	}
	if !found {
		t.Error("no goal against gnet")
	}
}
