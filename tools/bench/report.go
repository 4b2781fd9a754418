package bench

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Row is one line of the table: one server under one load.
type Row struct {
	// Group is the load, one of the Group constants.
	Group string
	// Server names the server program; Ace marks ours: the ratios and
	// goals compare each Ace row of a group to its peers.
	Server string
	Ace    bool
	// Value is the figure, in Unit: round trips or requests per second,
	// or bytes of resident memory per idle connection.
	Value          float64
	Unit           string
	HigherIsBetter bool
	// P50 and P99 are latencies, 0 when not measured.
	P50, P99 time.Duration
	// Allocs is the server's heap allocations per round trip or request,
	// when HasAllocs.
	Allocs    float64
	HasAllocs bool
	// GCCycles is the garbage collections the server's Go runtime
	// completed per round trip or request, and GCCPU the CPU time they
	// used per round trip or request (the runtime's estimate: see
	// [ServerStats]), when HasAllocs.
	GCCycles float64
	GCCPU    time.Duration
	// Reads and Writes are the server's read and write system calls per
	// round trip or request, when HasSyscalls.
	Reads, Writes float64
	HasSyscalls   bool
	// User and System are the server's CPU time per round trip or
	// request, in user and in kernel mode, when HasSyscalls.
	User, System time.Duration
	// LoadCPU is the load generator's CPU time per request (wrk's), 0
	// when not measured.
	LoadCPU time.Duration
	// Count is how many round trips, requests or connections the figure
	// rests on.
	Count int64
	// Rounds holds the figure of each round, when there were several.
	Rounds []float64
	// RoundP99 holds the p99 of each round, when there were several;
	// the paced rows, whose goal is their latency, are the round with the
	// median p99.
	RoundP99 []time.Duration
	// Idle is the Go runtime's view of an idle connection, for the idle
	// memory rows.
	Idle *IdleBreakdown
	// Instr is where the instructions went, for the rows of Report.Instr.
	Instr *InstrBreakdown
	// Note flags anything that makes the figure doubtful.
	Note string
}

// Report is the outcome of a run.
type Report struct {
	Config            Config
	Machine           Machine
	Started, Finished time.Time
	Rows              []Row
	Goals             []Goal
	Profiles          []Profile
	// Instr holds the instruction counts of TestInstr: a row for each
	// server under each load, its Value the instructions per round trip or
	// request (lower is better), in the same groups as the loads' rows.
	Instr []Row
	// Skipped says which tests a run left out, and why.
	Skipped []string
}

// Row returns the row of server in group.
func (r *Report) Row(group, server string) (Row, bool) {
	return findRow(r.Rows, group, server)
}

func findRow(rows []Row, group, server string) (Row, bool) {
	for _, row := range rows {
		if row.Group == group && row.Server == server {
			return row, true
		}
	}
	return Row{}, false
}

// aceRows returns the Ace rows of group, in their order.
func aceRows(rows []Row, group string) []Row {
	var aces []Row
	for _, row := range rows {
		if row.Group == group && row.Ace {
			aces = append(aces, row)
		}
	}
	return aces
}

// aceOrders returns, for the groups with more than one Ace row, the names
// of their Ace servers in the order of their rows, joined with " / " as
// their ratios are in the table; each order once.
func aceOrders(rows []Row) []string {
	var orders []string
	seen := make(map[string]bool)
	for _, row := range rows {
		if seen[row.Group] {
			continue
		}
		seen[row.Group] = true
		aces := aceRows(rows, row.Group)
		if len(aces) < 2 {
			continue
		}
		names := make([]string, len(aces))
		for i, a := range aces {
			names[i] = a.Server
		}
		if o := strings.Join(names, " / "); !slices.Contains(orders, o) {
			orders = append(orders, o)
		}
	}
	return orders
}

// Ratios returns each Ace server's figure divided by row's, in row's group,
// in the order of the group's Ace rows: above 1 that Ace server is ahead
// for throughput, below 1 it is ahead for memory and instructions. It returns nil for an Ace
// row, a row of 0, and a group without an Ace row.
func Ratios(rows []Row, row Row) []float64 {
	if row.Ace || row.Value == 0 {
		return nil
	}
	var rs []float64
	for _, ace := range aceRows(rows, row.Group) {
		rs = append(rs, ace.Value/row.Value)
	}
	return rs
}

// PairedRatios divides ace's figure by other's round by round, each round of
// the two having run seconds apart, and returns the median, lowest and
// highest of those ratios. On a shared machine whose load drifts, the ratios
// of rounds run close together vary less than the figures themselves. It
// reports false unless both rows have the same number of rounds, at least
// two.
func PairedRatios(ace, other Row) (med, lo, hi float64, ok bool) {
	n := len(ace.Rounds)
	if n < 2 || len(other.Rounds) != n {
		return 0, 0, 0, false
	}
	rs := make([]float64, 0, n)
	for i := range n {
		if other.Rounds[i] <= 0 {
			return 0, 0, 0, false
		}
		rs = append(rs, ace.Rounds[i]/other.Rounds[i])
	}
	slices.Sort(rs)
	med = rs[n/2]
	if n%2 == 0 {
		med = (rs[n/2-1] + rs[n/2]) / 2
	}
	return med, rs[0], rs[n-1], true
}

// Goal is one of issue 5's goals and whether the run met it.
type Goal struct {
	Name string
	Got  string
	Met  bool
	// NA marks a goal the run could not judge; Got says why.
	NA bool
}

// Goals checks the goals of issue 5 against rows; it leaves out those whose
// rows are missing. Every goal is checked for each Ace server of its group
// (ace-echo and ace-echo-loop for echo, ace-http and ace-http-reuse for
// HTTP), the server's name ending the goal's.
func Goals(rows []Row) []Goal {
	var goals []Goal
	ratio := func(name string, ace Row, peer string, want float64) {
		other, ok := findRow(rows, ace.Group, peer)
		if !ok || other.Value == 0 {
			return
		}
		r := ace.Value / other.Value
		got := fmt.Sprintf("%s vs %s %s: %.2fx", formatValue(ace.Value, ace.Unit),
			formatValue(other.Value, other.Unit), peer, r)
		if med, lo, hi, ok := PairedRatios(ace, other); ok {
			got += fmt.Sprintf(" (round by round: median %.2fx, %.2fx to %.2fx)", med, lo, hi)
		}
		goals = append(goals, Goal{Name: name, Got: got, Met: r >= want})
	}
	p99 := func(name string, ace Row, peer string) {
		other, ok := findRow(rows, ace.Group, peer)
		if !ok {
			return
		}
		if ace.P99 <= 0 || other.P99 <= 0 {
			goals = append(goals, Goal{Name: name, Got: "no p99: wrk reported none", NA: true})
			return
		}
		got := fmt.Sprintf("%s vs %s %s, at %s vs %s", formatLatency(ace.P99), formatLatency(other.P99), peer,
			formatValue(ace.Value, ace.Unit), formatValue(other.Value, other.Unit))
		if n := len(ace.RoundP99); n > 1 && len(other.RoundP99) == n {
			k := 0
			for i := range n {
				if ace.RoundP99[i] <= other.RoundP99[i] {
					k++
				}
			}
			got += fmt.Sprintf(" (round by round: no worse in %d of %d)", k, n)
		}
		goals = append(goals, Goal{Name: name, Got: got, Met: ace.P99 <= other.P99})
	}
	// each calls goal with every Ace row of group and the name suffixed
	// with the row's server, so that the goals of the group's Ace servers
	// sit side by side.
	each := func(group string, goal func(ace Row, suffix string)) {
		for _, ace := range aceRows(rows, group) {
			goal(ace, " ("+ace.Server+")")
		}
	}

	each(GroupEcho, func(ace Row, suffix string) { ratio("echo round trips/s ≥ 1.0x plain Go"+suffix, ace, PlainEcho, 1) })
	each(GroupEcho, func(ace Row, suffix string) { ratio("echo round trips/s ≥ gnet"+suffix, ace, GnetEcho, 1) })
	each(GroupEcho, func(ace Row, suffix string) {
		goals = append(goals, Goal{
			Name: "echo: 0 allocations per round trip" + suffix,
			Got:  fmt.Sprintf("%.3f allocs/op", ace.Allocs),
			Met:  ace.Allocs < 0.005, // rounds to 0.00
		})
	})
	for _, g := range []string{GroupKeepAlive, GroupPipelined} {
		each(g, func(ace Row, suffix string) { ratio(g+" req/s ≥ fasthttp"+suffix, ace, FastHTTP, 1) })
		each(g, func(ace Row, suffix string) { ratio(g+" req/s ≥ 1.5x net/http"+suffix, ace, NetHTTP, 1.5) })
	}
	// At the same load: the paced rows. Each server's p99 at its own
	// saturation (the keep-alive rows) compares queues of different
	// lengths, and wrk cannot measure it with pipelining.
	each(GroupPaced, func(ace Row, suffix string) { p99("http p99 at the same load ≤ net/http"+suffix, ace, NetHTTP) })
	each(GroupIdleHTTP, func(ace Row, suffix string) {
		if nh, ok := findRow(rows, GroupIdleHTTP, NetHTTP); ok {
			goals = append(goals, Goal{
				Name: "idle memory per connection ≤ net/http" + suffix,
				Got:  fmt.Sprintf("%s vs %s %s", formatValue(ace.Value, ace.Unit), formatValue(nh.Value, nh.Unit), NetHTTP),
				Met:  ace.Value <= nh.Value,
			})
		}
	})
	for _, g := range []string{GroupIdleEcho, GroupIdleHTTP} {
		each(g, func(ace Row, suffix string) {
			goals = append(goals, Goal{
				Name: "idle memory per connection ≤ 4 KiB" + suffix,
				Got:  formatValue(ace.Value, ace.Unit),
				Met:  ace.Value <= 4096,
			})
		})
	}
	return goals
}

// Table renders the rows as a Markdown table, which also reads well in a
// terminal.
func (r *Report) Table() string {
	var b strings.Builder
	b.WriteString("| load | server | result | p50 | p99 | allocs/op | reads+writes/op | CPU/op user+sys | GCs/10k ops, GC CPU/op | wrk CPU/op | ace ÷ this |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range r.Rows {
		ratio := "—"
		if rs := Ratios(r.Rows, row); len(rs) > 0 {
			ratio = formatRatios(rs)
		}
		allocs, gc := "—", "—"
		if row.HasAllocs {
			allocs = fmt.Sprintf("%.2f", row.Allocs)
			gc = fmt.Sprintf("%.2f, %s", row.GCCycles*gcOps, formatCPU(row.GCCPU))
		}
		syscalls, cpu, load := "—", "—", "—"
		if row.LoadCPU > 0 {
			load = formatCPU(row.LoadCPU)
		}
		if row.HasSyscalls {
			syscalls = fmt.Sprintf("%.2f+%.2f", row.Reads, row.Writes)
			cpu = formatCPU(row.User) + "+" + formatCPU(row.System)
		}
		result := formatValue(row.Value, row.Unit)
		if row.Note != "" {
			result += " (" + row.Note + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", row.Group, boldAce(row), result,
			formatLatency(row.P50), formatLatency(row.P99), allocs, syscalls, cpu, gc, load, ratio)
	}
	return b.String()
}

// gcOps is the number of operations the table counts garbage collections
// over, so that they read well: a few per 10,000 requests for the servers
// that allocate most (net/http, ace-http), a fraction of one for the others.
const gcOps = 10_000

// formatCPU renders a CPU time per operation in microseconds, with two
// decimals.
func formatCPU(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 2, 64) + "µs"
}

// GoalsTable renders the goals as a Markdown table.
func (r *Report) GoalsTable() string {
	var b strings.Builder
	b.WriteString("| goal | measured | met |\n|---|---|---|\n")
	for _, g := range r.Goals {
		met := "no"
		switch {
		case g.NA:
			met = "n/a"
		case g.Met:
			met = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", g.Name, g.Got, met)
	}
	return b.String()
}

// IdleTable renders what the Go runtime says an idle connection is made of,
// for the idle memory rows, as a Markdown table; "" when there are none.
func (r *Report) IdleTable() string {
	var b strings.Builder
	for _, row := range r.Rows {
		if row.Idle == nil {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("| server | resident | Go heap | goroutine stacks | goroutines |\n|---|---:|---:|---:|---:|\n")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.2f |\n", row.Server, formatValue(row.Value, row.Unit),
			formatValue(row.Idle.Heap, row.Unit), formatValue(row.Idle.Stacks, row.Unit), row.Idle.Goroutines)
	}
	return b.String()
}

// InstrTable renders the instruction counts as a Markdown table, with the
// ratios of the Ace servers' counts to each peer's (below 1 the Ace server
// executes fewer instructions); "" when there are none.
func (r *Report) InstrTable() string {
	if len(r.Instr) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("| load | server | instructions | rounds | ace ÷ this |\n|---|---|---:|---:|---:|\n")
	for _, row := range r.Instr {
		ratio := "—"
		if rs := Ratios(r.Instr, row); len(rs) > 0 {
			ratio = formatRatios(rs)
		}
		rounds := "—"
		if len(row.Rounds) > 1 {
			rounds = thousands(int64(math.Round(slices.Min(row.Rounds)))) + "–" + thousands(int64(math.Round(slices.Max(row.Rounds))))
		}
		result := formatValue(row.Value, row.Unit)
		if row.Note != "" {
			result += " (" + row.Note + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", row.Group, boldAce(row), result, rounds, ratio)
	}
	return b.String()
}

// InstrBreakdownTable renders where the instructions went, per round trip or
// request, by Category, as a Markdown table; "" when there are none.
func (r *Report) InstrBreakdownTable() string {
	var b strings.Builder
	for _, row := range r.Instr {
		if row.Instr == nil {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("| load | server | total")
			for c := range NumCategories {
				b.WriteString(" | " + c.String())
			}
			b.WriteString(" |\n|---|---|---:" + strings.Repeat("|---:", int(NumCategories)) + "|\n")
		}
		fmt.Fprintf(&b, "| %s | %s | %s", row.Group, boldAce(row), thousands(int64(math.Round(row.Value))))
		for _, v := range row.Instr {
			b.WriteString(" | " + thousands(int64(math.Round(v))))
		}
		b.WriteString(" |\n")
	}
	return b.String()
}

// boldAce returns the row's server, in bold when it is an Ace server.
func boldAce(row Row) string {
	if row.Ace {
		return "**" + row.Server + "**"
	}
	return row.Server
}

// formatRatios renders ratios as "1.20x / 0.95x".
func formatRatios(rs []float64) string {
	parts := make([]string, len(rs))
	for i, v := range rs {
		parts[i] = fmt.Sprintf("%.2fx", v)
	}
	return strings.Join(parts, " / ")
}

// formatValue renders v in unit with thousands separators.
func formatValue(v float64, unit string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	return thousands(int64(math.Round(v))) + " " + unit
}

// thousands renders n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatLatency renders d in µs or ms, or "—" when it was not measured.
func formatLatency(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}
