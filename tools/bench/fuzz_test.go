package bench

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func FuzzParseWrk(f *testing.F) {
	for _, s := range []string{wrkKeepAlive, wrkErrors, wrkPipelined, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		r, err := ParseWrk(out)
		if err != nil {
			return
		}
		if r.Requests < 0 || r.Elapsed < 0 || r.PerSecond < 0 || r.Errors() < 0 {
			t.Fatalf("negative figures from %q: %+v", out, r)
		}
		for p, d := range r.Latency {
			if p < 0 || p > 100 || d < 0 {
				t.Fatalf("bad percentile %v = %v from %q", p, d, out)
			}
		}
		if _, ok := r.Latency[99]; !ok {
			t.Fatalf("accepted %q without a p99", out)
		}
	})
}

func FuzzParseVmRSS(f *testing.F) {
	f.Add("Name:\tbench\nVmRSS:\t   12345 kB\n")
	f.Add("VmRSS: 0 kB")
	f.Add("VmRSS:\t1 MB\n")
	f.Fuzz(func(t *testing.T, status string) {
		n, err := ParseVmRSS(status)
		if err == nil && (n < 0 || n%1024 != 0) {
			t.Fatalf("ParseVmRSS(%q) = %d", status, n)
		}
	})
}

func FuzzParseProcStat(f *testing.F) {
	f.Add("1234 (ace-http) S 1 1234 1234 0 -1 4194560 500 0 0 0 731 245 0 0 20 0 4 0 100 0 0")
	f.Add("7 (a) b) c) R 1 2 3 4 5 6 7 8 9 10 1 2 3")
	f.Add("1 (x) S 1 2 3 4 5 6 7 8 9 10 18446744073709551615 2")
	f.Fuzz(func(t *testing.T, s string) {
		u, k, err := ParseProcStat(s)
		if (err != nil && (u != 0 || k != 0)) || u < 0 || k < 0 {
			t.Fatalf("ParseProcStat(%q) = %v, %v with error %v", s, u, k, err)
		}
	})
}

func FuzzParseProcIO(f *testing.F) {
	f.Add("rchar: 5012\nwchar: 2304\nsyscr: 17\nsyscw: 9\nread_bytes: 0\n")
	f.Add("syscr: 18446744073709551615\nsyscw: 0")
	f.Fuzz(func(t *testing.T, s string) {
		r, w, err := ParseProcIO(s)
		if err != nil && (r != 0 || w != 0) {
			t.Fatalf("ParseProcIO(%q) = %d, %d with error %v", s, r, w, err)
		}
	})
}

func FuzzParseCallgrind(f *testing.F) {
	fixture, err := os.ReadFile("testdata/callgrind/server.callgrind")
	require.NoError(f, err)
	f.Add(string(fixture))
	f.Add("events: Ir\nfl=(1) a.go\nfn=(1) main.f\n1 2\n+1 3\ncfn=(2) main.g\ncalls=1 5\n* 9\nfn=(2)\n5 9\ntotals: 14\n")
	f.Add("positions: instr line\nevents: Dr Ir\nfn=main.f\n0x10 3 1 4\n+2 * 5\ntotals: 6 4\n")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseCallgrind(strings.NewReader(s))
		if err != nil {
			return
		}
		var sum uint64
		for i, fc := range p.Functions {
			if fc.Instructions == 0 {
				t.Fatalf("function %q with no instruction listed", fc.Function)
			}
			if i > 0 && fc.Instructions > p.Functions[i-1].Instructions {
				t.Fatalf("functions out of order: %+v", p.Functions)
			}
			sum += fc.Instructions
		}
		if sum != p.Total {
			t.Fatalf("functions add up to %d, total %d", sum, p.Total)
		}
		var by uint64
		for _, n := range Categorized(p.Functions) {
			by += n
		}
		if by != p.Total {
			t.Fatalf("categories add up to %d, total %d", by, p.Total)
		}
	})
}
