package bench

import (
	"testing"
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
