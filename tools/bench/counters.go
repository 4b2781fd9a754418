package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Counters are a server's cumulative counts that the harness divides by the
// operations of a load: heap allocations, from the server's Go runtime, and
// read and write system calls, from the kernel's /proc/<pid>/io.
type Counters struct {
	Allocs, SysRead, SysWrite uint64
}

// Sub returns c minus earlier counts.
func (c Counters) Sub(earlier Counters) Counters {
	return Counters{c.Allocs - earlier.Allocs, c.SysRead - earlier.SysRead, c.SysWrite - earlier.SysWrite}
}

// Counters reads the program's counters.
func (p *Process) Counters(ctx context.Context) (Counters, error) {
	st, err := p.Stats(ctx)
	if err != nil {
		return Counters{}, err
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.Pid) + "/io")
	if err != nil {
		return Counters{}, fmt.Errorf("bench: system calls of %s: %w", p.Name, err)
	}
	r, w, err := ParseProcIO(string(b))
	if err != nil {
		return Counters{}, fmt.Errorf("bench: system calls of %s: %w", p.Name, err)
	}
	return Counters{Allocs: st.Allocs, SysRead: r, SysWrite: w}, nil
}

// ErrProcIO reports a /proc/<pid>/io file without readable syscr and syscw
// lines.
var ErrProcIO = errors.New("bench: no syscr and syscw in /proc io")

// ParseProcIO returns the counts of read and write system calls in a
// /proc/<pid>/io file ("syscr: 12" and "syscw: 34").
func ParseProcIO(s string) (reads, writes uint64, err error) {
	var haveR, haveW bool
	for line := range strings.Lines(s) {
		key, val, ok := strings.Cut(line, ":")
		if !ok || (key != "syscr" && key != "syscw") {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(val), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%w: %q", ErrProcIO, strings.TrimSpace(line))
		}
		if key == "syscr" {
			reads, haveR = n, true
		} else {
			writes, haveW = n, true
		}
	}
	if !haveR || !haveW {
		return 0, 0, ErrProcIO
	}
	return reads, writes, nil
}
