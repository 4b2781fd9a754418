package bench

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

const wrkKeepAlive = `Running 1s test @ http://127.0.0.1:45955/
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   361.12us  200.00us   5.00ms   90.00%
    Req/Sec    70.00k     5.00k   80.00k    70.00%
  Latency Distribution
     50%  300.00us
     75%  400.00us
     90%  500.00us
     99%    1.25ms
  140001 requests in 1.00s, 17.00MB read
Requests/sec: 140000.50
Transfer/sec:     17.00MB
`

const wrkErrors = `Running 10s test @ http://127.0.0.1:8080/
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.67ms    1.92ms   1.00s    84.96%
    Req/Sec    42.65k     9.23k   60.26k    63.64%
  Latency Distribution
     50%    1.15ms
     75%    2.40ms
     90%    4.70ms
     99%    2.00s
  93279 requests in 10.10s, 11.56MB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 5
Requests/sec:   9235.54
Transfer/sec:      1.14MB
`

// wrkPipelined is real wrk 4.1 output with pipelining: its 99th percentile
// comes out as 0.
const wrkPipelined = `Running 1s test @ http://127.0.0.1:45955/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.67ms    1.92ms  23.96ms   84.96%
    Req/Sec    42.65k     9.23k   60.26k    63.64%
  Latency Distribution
     50%    1.15ms
     75%    2.40ms
     90%    4.70ms
     99%    0.00us
  93279 requests in 1.10s, 11.56MB read
Requests/sec:  84827.16
Transfer/sec:     10.52MB
`

func TestParseWrk(t *testing.T) {
	r, err := ParseWrk(wrkKeepAlive)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 140001 || r.Elapsed != time.Second || r.PerSecond != 140000.5 {
		t.Errorf("got %d requests in %v, %v/s; want 140001 in 1s, 140000.5/s", r.Requests, r.Elapsed, r.PerSecond)
	}
	want := map[float64]time.Duration{50: 300 * time.Microsecond, 75: 400 * time.Microsecond, 90: 500 * time.Microsecond, 99: 1250 * time.Microsecond}
	for p, d := range want {
		if r.Latency[p] != d {
			t.Errorf("p%v = %v, want %v", p, r.Latency[p], d)
		}
	}
	if r.Errors() != 0 {
		t.Errorf("errors = %d, want 0", r.Errors())
	}

	r, err = ParseWrk(wrkErrors)
	if err != nil {
		t.Fatal(err)
	}
	if r.ConnectErrors != 1 || r.ReadErrors != 2 || r.WriteErrors != 3 || r.Timeouts != 4 || r.Non2xx != 5 || r.Errors() != 15 {
		t.Errorf("errors %+v, want 1 2 3 4 and 5 non-2xx", r)
	}
	if r.Latency[99] != 2*time.Second || r.Elapsed != 10100*time.Millisecond {
		t.Errorf("p99 %v elapsed %v, want 2s and 10.1s", r.Latency[99], r.Elapsed)
	}

	r, err = ParseWrk(wrkPipelined)
	if err != nil {
		t.Fatal(err)
	}
	if r.Latency[99] != 0 || r.Latency[50] != 1150*time.Microsecond {
		t.Errorf("pipelined p50 %v p99 %v, want 1.15ms and 0", r.Latency[50], r.Latency[99])
	}
}

func TestParseWrkRejects(t *testing.T) {
	drop := func(s, line string) string {
		lines := strings.Split(s, "\n")
		return strings.Join(slices.DeleteFunc(lines, func(l string) bool { return strings.Contains(l, line) }), "\n")
	}
	for name, out := range map[string]string{
		"empty":            "",
		"usage":            "Usage: wrk <options> <url>\n  Options:\n",
		"no latency flag":  drop(drop(drop(drop(drop(wrkKeepAlive, "Distribution"), "50%"), "75%"), "90%"), "99%"),
		"no p99":           drop(wrkKeepAlive, "99%"),
		"no rate":          drop(wrkKeepAlive, "Requests/sec"),
		"no count":         drop(wrkKeepAlive, "requests in"),
		"bad count":        strings.Replace(wrkKeepAlive, "140001 requests", "14x requests", 1),
		"bad unit":         strings.Replace(wrkKeepAlive, "1.25ms", "1.25fortnights", 1),
		"negative latency": strings.Replace(wrkKeepAlive, "1.25ms", "-1.25ms", 1),
		"bad rate":         strings.Replace(wrkKeepAlive, "140000.50", "lots", 1),
		"bad errors":       strings.Replace(wrkErrors, "timeout 4", "timeout four", 1),
		"odd errors":       strings.Replace(wrkErrors, "timeout 4", "gremlins 4", 1),
		"bad non-2xx":      strings.Replace(wrkErrors, "responses: 5", "responses: -5", 1),
		"huge duration":    strings.Replace(wrkKeepAlive, "1.25ms", "1e300h", 1),
	} {
		if _, err := ParseWrk(out); !errors.Is(err, ErrWrkOutput) {
			t.Errorf("%s: err = %v, want ErrWrkOutput", name, err)
		}
	}
}

func TestParseWrkDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"0.00us":   0,
		"361.12us": 361120 * time.Nanosecond,
		"1.00ms":   time.Millisecond,
		"2.50s":    2500 * time.Millisecond,
		"1.50m":    90 * time.Second,
		"1.00h":    time.Hour,
	} {
		if got, err := parseWrkDuration(in); err != nil || got != want {
			t.Errorf("parseWrkDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "us", "1.0", "1.0ns", "NaNs", "-1s", "1.0 s"} {
		if _, err := parseWrkDuration(in); err == nil {
			t.Errorf("parseWrkDuration(%q) succeeded", in)
		}
	}
}

func TestWrkArgs(t *testing.T) {
	got := strings.Join(WrkLoad{URL: "http://x/", Threads: 4, Conns: 2, Duration: 1500 * time.Millisecond}.args(), " ")
	if want := "-t 2 -c 2 -d 2s --timeout 5s --latency http://x/"; got != want {
		t.Errorf("keep-alive args %q, want %q", got, want)
	}
	got = strings.Join(WrkLoad{URL: "http://x/", Threads: 2, Conns: 50, Pipeline: 16, Scripts: "d"}.args(), " ")
	if want := "-t 2 -c 50 -d 1s --timeout 5s --latency -s d/pipeline.lua http://x/ -- 16"; got != want {
		t.Errorf("pipelined args %q, want %q", got, want)
	}
	got = strings.Join(WrkLoad{URL: "http://x/", Conns: 1, Headers: []string{"A: 1", "B: x y"}}.args(), "|")
	if want := "-t|1|-c|1|-d|1s|--timeout|5s|--latency|-H|A: 1|-H|B: x y|http://x/"; got != want {
		t.Errorf("args with headers %q, want %q", got, want)
	}
	paced := WrkLoad{URL: "http://x/", Threads: 2, Conns: 50, Think: 2400 * time.Microsecond, Scripts: "d"}
	got = strings.Join(paced.args(), " ")
	if want := "-t 2 -c 50 -d 1s --timeout 5s --latency -s d/paced.lua http://x/ -- 2"; got != want {
		t.Errorf("paced args %q, want %q", got, want)
	}
	if r := paced.OfferedRate(); r != 25000 {
		t.Errorf("offered rate %v, want 25000 (50 connections every 2ms)", r)
	}
	paced.Think = 100 * time.Microsecond // rounds up to wrk's 1ms
	if got := paced.args(); got[len(got)-1] != "1" {
		t.Errorf("think time of 100µs passed as %q ms, want 1", got[len(got)-1])
	}
}

func TestRunWrkRejects(t *testing.T) {
	for name, l := range map[string]WrkLoad{
		"pipelined and paced":   {URL: "http://x/", Pipeline: 16, Think: time.Millisecond, Scripts: "d"},
		"pipelined, no scripts": {URL: "http://x/", Pipeline: 16},
		"paced, no scripts":     {URL: "http://x/", Think: time.Millisecond},
	} {
		// The load is refused before wrk runs: the executable does not
		// exist.
		if _, err := RunWrk(t.Context(), "/nonexistent/wrk", l); err == nil || strings.Contains(err.Error(), "nonexistent") {
			t.Errorf("%s: RunWrk error %v, want the load refused", name, err)
		}
	}
}
