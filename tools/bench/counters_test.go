package bench

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCountersSub(t *testing.T) {
	later := Counters{
		Allocs: 1000, SysRead: 70, SysWrite: 80, User: 5 * time.Second, System: 3 * time.Second,
		GCCycles: 12, GCCPU: 900 * time.Millisecond,
	}
	earlier := Counters{
		Allocs: 400, SysRead: 20, SysWrite: 30, User: 2 * time.Second, System: time.Second,
		GCCycles: 5, GCCPU: 250 * time.Millisecond,
	}
	want := Counters{
		Allocs: 600, SysRead: 50, SysWrite: 50, User: 3 * time.Second, System: 2 * time.Second,
		GCCycles: 7, GCCPU: 650 * time.Millisecond,
	}
	assert.Equal(t, want, later.Sub(earlier), "Sub")
}

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		in        string
		user, sys time.Duration
		wantErr   bool
	}{
		{"1234 (ace-http) S 1 1234 1234 0 -1 4194560 500 0 0 0 731 245 0 0 20 0 4 0", 7310 * time.Millisecond, 2450 * time.Millisecond, false},
		// The command name may hold spaces and parentheses.
		{"7 (a) b (c)) R 1 2 3 4 5 6 7 8 9 10 3 4 5", 30 * time.Millisecond, 40 * time.Millisecond, false},
		{"7 (short) R 1 2 3", 0, 0, true},
		{"no parenthesis at all", 0, 0, true},
		{"7 (x) R 1 2 3 4 5 6 7 8 9 10 -3 4", 0, 0, true},
	}
	for _, tc := range tests {
		u, k, err := ParseProcStat(tc.in)
		if tc.wantErr {
			if !errors.Is(err, ErrProcStat) {
				t.Errorf("ParseProcStat(%q): error %v, want ErrProcStat", tc.in, err)
			}
			continue
		}
		if err != nil || u != tc.user || k != tc.sys {
			t.Errorf("ParseProcStat(%q) = %v, %v, %v; want %v, %v", tc.in, u, k, err, tc.user, tc.sys)
		}
	}
}

// TestParseProcStatSelf reads this test's own CPU time, which grows.
func TestParseProcStatSelf(t *testing.T) {
	read := func() time.Duration {
		b, err := os.ReadFile("/proc/self/stat")
		if err != nil {
			t.Skipf("no /proc: %v", err)
		}
		u, k, err := ParseProcStat(string(b))
		require.NoError(t, err)
		return u + k
	}
	before := read()
	// Burn CPU until the kernel has counted at least one more tick.
	deadline := time.Now().Add(5 * time.Second)
	x := 0
	for read() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("CPU time stuck at %v after 5s of work", before)
		}
		for i := range 1_000_000 {
			x += i
		}
	}
	_ = x
}
