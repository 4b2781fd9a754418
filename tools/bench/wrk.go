package bench

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The wrk scripts, kept in the repo and written next to the harness's
// binaries when it runs (WriteScripts): pipeline.lua pipelines requests,
// paced.lua paces each connection.
var (
	//go:embed pipeline.lua
	pipelineLua []byte
	//go:embed paced.lua
	pacedLua []byte
)

// WrkLoad describes one run of wrk against an HTTP server.
type WrkLoad struct {
	// URL is the address to load, on loopback.
	URL string
	// Threads and Conns are wrk's -t and -c; Threads is capped at Conns.
	Threads, Conns int
	// Duration is wrk's -d, rounded up to whole seconds (at least one),
	// since wrk counts in seconds.
	Duration time.Duration
	// Pipeline, when above 1, sends that many requests back to back on
	// each connection, through pipeline.lua.
	Pipeline int
	// Think, when positive, has each connection wait that long after each
	// response before it sends the next request, through paced.lua: the
	// load offered is then at most Conns/Think requests per second, the
	// same for every server fast enough to answer it. wrk counts whole
	// milliseconds: Think is rounded to them, and to at least one. It
	// cannot be combined with Pipeline.
	Think time.Duration
	// Headers are header fields ("Name: value") that every request
	// carries besides wrk's Host, through wrk's -H.
	Headers []string
	// Scripts is the directory WriteScripts wrote the scripts to.
	Scripts string
}

// WriteScripts writes the wrk scripts the loads use into dir.
func WriteScripts(dir string) error {
	for name, src := range map[string][]byte{"pipeline.lua": pipelineLua, "paced.lua": pacedLua} {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			return fmt.Errorf("bench: write wrk script: %w", err)
		}
	}
	return nil
}

// thinkMillis returns d in whole milliseconds, rounded, at least 1.
func thinkMillis(d time.Duration) int {
	return max(int(d.Round(time.Millisecond)/time.Millisecond), 1)
}

// OfferedRate returns the most requests per second a load with Think can
// offer: Conns every Think (wrk's rounded milliseconds), 0 without Think.
func (l WrkLoad) OfferedRate() float64 {
	if l.Think <= 0 {
		return 0
	}
	return float64(max(l.Conns, 1)) * 1000 / float64(thinkMillis(l.Think))
}

// wrkSeconds returns d in whole seconds, rounded up, at least 1.
func wrkSeconds(d time.Duration) int {
	return max(int(math.Ceil(d.Seconds())), 1)
}

// args returns wrk's command line for l.
func (l WrkLoad) args() []string {
	conns := max(l.Conns, 1)
	threads := min(max(l.Threads, 1), conns)
	a := []string{
		"-t", strconv.Itoa(threads),
		"-c", strconv.Itoa(conns),
		"-d", strconv.Itoa(wrkSeconds(l.Duration)) + "s",
		"--timeout", "5s",
		"--latency",
	}
	for _, h := range l.Headers {
		a = append(a, "-H", h)
	}
	switch {
	case l.Pipeline > 1:
		a = append(a, "-s", filepath.Join(l.Scripts, "pipeline.lua"), l.URL, "--", strconv.Itoa(l.Pipeline))
	case l.Think > 0:
		a = append(a, "-s", filepath.Join(l.Scripts, "paced.lua"), l.URL, "--", strconv.Itoa(thinkMillis(l.Think)))
	default:
		a = append(a, l.URL)
	}
	return a
}

// RunWrk runs wrk (the executable at path) with l and parses its report.
// wrk is killed if ctx ends, or if it runs well past its duration.
func RunWrk(ctx context.Context, path string, l WrkLoad) (*WrkResult, error) {
	switch {
	case l.Pipeline > 1 && l.Think > 0:
		return nil, errors.New("bench: a wrk load cannot both pipeline and pace")
	case (l.Pipeline > 1 || l.Think > 0) && l.Scripts == "":
		return nil, errors.New("bench: scripted wrk load without the scripts' directory")
	}
	limit := time.Duration(wrkSeconds(l.Duration))*time.Second + 30*time.Second
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, l.args()...)
	cmd.SysProcAttr = childAttr()
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("bench: wrk %s: %w: %s", strings.Join(l.args(), " "), err, strings.TrimSpace(string(ee.Stderr)))
		}
		return nil, fmt.Errorf("bench: wrk: %w", err)
	}
	res, err := ParseWrk(string(out))
	if err != nil {
		return nil, fmt.Errorf("%w; wrk printed:\n%s", err, out)
	}
	if st := cmd.ProcessState; st != nil {
		res.CPU = st.UserTime() + st.SystemTime()
	}
	return res, nil
}

// WrkResult is what wrk reported.
type WrkResult struct {
	// Requests is how many responses wrk read in Elapsed.
	Requests int64
	Elapsed  time.Duration
	// PerSecond is wrk's "Requests/sec".
	PerSecond float64
	// Latency maps a percentile (50, 75, 90, 99) to its latency, from
	// wrk's "Latency Distribution" (printed with --latency).
	Latency map[float64]time.Duration
	// CPU is the CPU time wrk used, in user and kernel mode: on a
	// machine whose cores the load generator shares with the server, what
	// it needs per request bounds what any server can reach.
	CPU time.Duration
	// Socket errors, and responses whose status was not 2xx or 3xx.
	ConnectErrors, ReadErrors, WriteErrors, Timeouts, Non2xx int64
}

// Errors reports every error wrk counted.
func (r *WrkResult) Errors() int64 {
	return r.ConnectErrors + r.ReadErrors + r.WriteErrors + r.Timeouts + r.Non2xx
}

// ErrWrkOutput reports wrk output that ParseWrk could not read.
var ErrWrkOutput = errors.New("bench: unexpected wrk output")

// ParseWrk reads the report wrk prints with --latency. It needs the request
// count, Requests/sec and the 50th and 99th percentiles; the error lines are
// optional, since wrk prints them only when there were errors.
func ParseWrk(out string) (*WrkResult, error) {
	r := &WrkResult{Latency: make(map[float64]time.Duration)}
	var haveCount, haveRate bool
	inDist := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		fields := strings.Fields(line)
		switch {
		case line == "Latency Distribution":
			inDist = true
			continue
		case inDist && len(fields) == 2 && strings.HasSuffix(fields[0], "%"):
			p, err := strconv.ParseFloat(strings.TrimSuffix(fields[0], "%"), 64)
			if err != nil || p < 0 || p > 100 {
				return nil, fmt.Errorf("%w: percentile %q", ErrWrkOutput, fields[0])
			}
			d, err := parseWrkDuration(fields[1])
			if err != nil {
				return nil, err
			}
			r.Latency[p] = d
			continue
		}
		inDist = false
		switch {
		case len(fields) >= 4 && fields[1] == "requests" && fields[2] == "in":
			n, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%w: request count %q", ErrWrkOutput, fields[0])
			}
			d, err := parseWrkDuration(strings.TrimSuffix(fields[3], ","))
			if err != nil {
				return nil, err
			}
			r.Requests, r.Elapsed, haveCount = n, d, true
		case strings.HasPrefix(line, "Requests/sec:"):
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, "Requests/sec:")), 64)
			if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
				return nil, fmt.Errorf("%w: %q", ErrWrkOutput, line)
			}
			r.PerSecond, haveRate = v, true
		case strings.HasPrefix(line, "Socket errors:"):
			if err := parseSocketErrors(r, strings.TrimPrefix(line, "Socket errors:")); err != nil {
				return nil, err
			}
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(line, "Non-2xx or 3xx responses:")), 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%w: %q", ErrWrkOutput, line)
			}
			r.Non2xx = n
		}
	}
	switch {
	case !haveCount:
		return nil, fmt.Errorf("%w: no request count", ErrWrkOutput)
	case !haveRate:
		return nil, fmt.Errorf("%w: no Requests/sec", ErrWrkOutput)
	}
	for _, p := range []float64{50, 99} {
		if _, ok := r.Latency[p]; !ok {
			return nil, fmt.Errorf("%w: no %v%% latency (was wrk run with --latency?)", ErrWrkOutput, p)
		}
	}
	return r, nil
}

// parseSocketErrors reads "connect 0, read 0, write 0, timeout 0".
func parseSocketErrors(r *WrkResult, s string) error {
	for part := range strings.SplitSeq(s, ",") {
		f := strings.Fields(part)
		if len(f) != 2 {
			return fmt.Errorf("%w: socket errors %q", ErrWrkOutput, s)
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: socket errors %q", ErrWrkOutput, s)
		}
		switch f[0] {
		case "connect":
			r.ConnectErrors = n
		case "read":
			r.ReadErrors = n
		case "write":
			r.WriteErrors = n
		case "timeout":
			r.Timeouts = n
		default:
			return fmt.Errorf("%w: socket errors %q", ErrWrkOutput, s)
		}
	}
	return nil
}

// wrkUnits are the units wrk prints durations in.
var wrkUnits = []struct {
	suffix string
	unit   time.Duration
}{
	// Longest suffixes first, so that "ms" is not read as "s".
	{"us", time.Microsecond},
	{"ms", time.Millisecond},
	{"s", time.Second},
	{"m", time.Minute},
	{"h", time.Hour},
}

// parseWrkDuration reads a duration as wrk prints it: a decimal number and a
// unit, one of us, ms, s, m and h ("361.12us", "1.00s").
func parseWrkDuration(s string) (time.Duration, error) {
	for _, u := range wrkUnits {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v < 0 || math.IsNaN(v) {
			break
		}
		d := v * float64(u.unit)
		if d >= math.MaxInt64 {
			break
		}
		return time.Duration(math.Round(d)), nil
	}
	return 0, fmt.Errorf("%w: duration %q", ErrWrkOutput, s)
}
