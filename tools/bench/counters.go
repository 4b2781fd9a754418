package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Counters are a server's cumulative counts that the harness divides by the
// operations of a load: heap allocations, garbage collections and the CPU
// time they used, from the server's Go runtime (see [ServerStats]); read and
// write system calls, from the kernel's /proc/<pid>/io; and CPU time in user
// and kernel mode, from /proc/<pid>/stat.
type Counters struct {
	Allocs, SysRead, SysWrite uint64
	User, System              time.Duration
	GCCycles                  uint64
	GCCPU                     time.Duration
}

// Sub returns c minus earlier counts.
func (c Counters) Sub(earlier Counters) Counters {
	return Counters{
		Allocs: c.Allocs - earlier.Allocs, SysRead: c.SysRead - earlier.SysRead, SysWrite: c.SysWrite - earlier.SysWrite,
		User: c.User - earlier.User, System: c.System - earlier.System,
		GCCycles: c.GCCycles - earlier.GCCycles, GCCPU: c.GCCPU - earlier.GCCPU,
	}
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
	b, err = os.ReadFile("/proc/" + strconv.Itoa(p.Pid) + "/stat")
	if err != nil {
		return Counters{}, fmt.Errorf("bench: CPU time of %s: %w", p.Name, err)
	}
	user, sys, err := ParseProcStat(string(b))
	if err != nil {
		return Counters{}, fmt.Errorf("bench: CPU time of %s: %w", p.Name, err)
	}
	return Counters{
		Allocs: st.Allocs, SysRead: r, SysWrite: w, User: user, System: sys,
		GCCycles: st.GCCycles, GCCPU: st.GCCPU,
	}, nil
}

// ErrProcStat reports a /proc/<pid>/stat file without readable utime and
// stime fields.
var ErrProcStat = errors.New("bench: no utime and stime in /proc stat")

// clockTick is the unit of utime and stime: USER_HZ, 100 per second on
// every Linux system the harness targets.
const clockTick = 10 * time.Millisecond

// ParseProcStat returns the CPU time a process has spent in user and in
// kernel mode, from the utime and stime fields (the 14th and 15th) of its
// /proc/<pid>/stat file. The second field, the command name in parentheses,
// may itself hold spaces and parentheses, so fields are counted from the
// last ')'.
func ParseProcStat(s string) (user, sys time.Duration, err error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, ErrProcStat
	}
	f := strings.Fields(s[i+1:])
	// f[0] is the 3rd field (state): utime and stime are f[11] and f[12].
	if len(f) < 13 {
		return 0, 0, ErrProcStat
	}
	u, uerr := strconv.ParseUint(f[11], 10, 63)
	k, kerr := strconv.ParseUint(f[12], 10, 63)
	if uerr != nil || kerr != nil || u > 1<<40 || k > 1<<40 {
		return 0, 0, fmt.Errorf("%w: %q %q", ErrProcStat, f[11], f[12])
	}
	return time.Duration(u) * clockTick, time.Duration(k) * clockTick, nil
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
