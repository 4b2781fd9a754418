package bench

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, err)
	if r.Requests != 140001 || r.Elapsed != time.Second || r.PerSecond != 140000.5 {
		t.Errorf("got %d requests in %v, %v/s; want 140001 in 1s, 140000.5/s", r.Requests, r.Elapsed, r.PerSecond)
	}
	want := map[float64]time.Duration{50: 300 * time.Microsecond, 75: 400 * time.Microsecond, 90: 500 * time.Microsecond, 99: 1250 * time.Microsecond}
	for p, d := range want {
		if r.Latency[p] != d {
			t.Errorf("p%v = %v, want %v", p, r.Latency[p], d)
		}
	}
	assert.Zero(t, r.Errors(), "errors")

	r, err = ParseWrk(wrkErrors)
	require.NoError(t, err)
	if r.ConnectErrors != 1 || r.ReadErrors != 2 || r.WriteErrors != 3 || r.Timeouts != 4 || r.Non2xx != 5 || r.Errors() != 15 {
		t.Errorf("errors %+v, want 1 2 3 4 and 5 non-2xx", r)
	}
	if r.Latency[99] != 2*time.Second || r.Elapsed != 10100*time.Millisecond {
		t.Errorf("p99 %v elapsed %v, want 2s and 10.1s", r.Latency[99], r.Elapsed)
	}

	r, err = ParseWrk(wrkPipelined)
	require.NoError(t, err)
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
		_, err := ParseWrk(out)
		assert.ErrorIs(t, err, ErrWrkOutput, name)
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
		got, err := parseWrkDuration(in)
		assert.NoError(t, err, "parseWrkDuration(%q)", in)
		assert.Equal(t, want, got, "parseWrkDuration(%q)", in)
	}
	for _, in := range []string{"", "us", "1.0", "1.0ns", "NaNs", "-1s", "1.0 s"} {
		_, err := parseWrkDuration(in)
		assert.Error(t, err, "parseWrkDuration(%q)", in)
	}
}

func TestWrkArgs(t *testing.T) {
	assert.Equal(t, "-t 2 -c 2 -d 2s --timeout 5s --latency http://x/",
		strings.Join(WrkLoad{URL: "http://x/", Threads: 4, Conns: 2, Duration: 1500 * time.Millisecond}.args(), " "), "keep-alive args")
	assert.Equal(t, "-t 2 -c 50 -d 1s --timeout 5s --latency -s d/pipeline.lua http://x/ -- 16",
		strings.Join(WrkLoad{URL: "http://x/", Threads: 2, Conns: 50, Pipeline: 16, Scripts: "d"}.args(), " "), "pipelined args")
	assert.Equal(t, "-t|1|-c|1|-d|1s|--timeout|5s|--latency|-H|A: 1|-H|B: x y|http://x/",
		strings.Join(WrkLoad{URL: "http://x/", Conns: 1, Headers: []string{"A: 1", "B: x y"}}.args(), "|"), "args with headers")
	paced := WrkLoad{URL: "http://x/", Threads: 2, Conns: 50, Think: 2400 * time.Microsecond, Scripts: "d"}
	assert.Equal(t, "-t 2 -c 50 -d 1s --timeout 5s --latency -s d/paced.lua http://x/ -- 2",
		strings.Join(paced.args(), " "), "paced args")
	assert.EqualValues(t, 25000, paced.OfferedRate(), "offered rate: 50 connections every 2ms")
	paced.Think = 100 * time.Microsecond // rounds up to wrk's 1ms
	args := paced.args()
	assert.Equal(t, "1", args[len(args)-1], "think time of 100µs passed as ms")
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
