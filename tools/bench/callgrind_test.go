package bench

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCallgrind runs plain-echo under callgrind for a fraction of a second
// of echo load and checks what the dump counted. It skips when valgrind is
// not installed.
func TestCallgrind(t *testing.T) {
	cg, err := LookCallgrind("")
	if err != nil {
		t.Skipf("valgrind is not installed: %v", err)
	}
	// The test binary cannot serve under valgrind as it does for the
	// other tests: built with -race, it would not run there.
	bin := filepath.Join(t.TempDir(), PlainEcho)
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, cmdPackage+PlainEcho)
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build:\n%s", out)
	dir := t.TempDir()
	p, err := cg.Start(t.Context(), PlainEcho, dir, bin, "-ignore-sigpipe")
	require.NoError(t, err)
	defer p.Stop()

	_, _, err = p.Dump(t.Context(), "no spaces")
	assert.Error(t, err, "a dump label with a space was accepted")
	var prof *CallgrindProfile
	var file string
	res, err := RunEcho(t.Context(), EchoLoad{
		Addr: p.Addr, Conns: 1, Size: 64, Duration: 500 * time.Millisecond,
		OnMeasure:  func() error { return p.Zero(t.Context()) },
		OnMeasured: func() (err error) { prof, file, err = p.Dump(t.Context(), "echo"); return err },
	})
	require.NoError(t, err)
	require.NotZero(t, res.RoundTrips, "round trips")
	require.NotNil(t, prof, "profile")
	assert.Equal(t, filepath.Join(dir, "callgrind.out.1"), file, "dump file")
	// A round trip is a read and a write, with the scheduler's work
	// around them: some hundreds to some thousands of instructions.
	perRT := float64(prof.Total) / float64(res.RoundTrips)
	if perRT < 100 || perRT > 100_000 {
		t.Errorf("%.0f instructions per round trip (%d over %d)", perRT, prof.Total, res.RoundTrips)
	}
	by := Categorized(prof.Functions)
	var sum uint64
	for _, n := range by {
		sum += n
	}
	if sum != prof.Total || by[CatServer] == 0 || by[CatSyscall] == 0 || by[CatScheduler] == 0 {
		t.Errorf("categories %v add up to %d of %d; want server code, syscalls and scheduler among them", by, sum, prof.Total)
	}
	assert.Contains(t, prof.Command, bin, "the dump's command")
	t.Logf("%.0f instructions per round trip over %d round trips: %v", perRT, res.RoundTrips, by)

	require.NoError(t, p.Stop())
	if fi, err := os.Stat(filepath.Join(dir, "callgrind.out")); assert.NoError(t, err, "final dump at exit") {
		assert.NotZero(t, fi.Size(), "final dump at exit")
	}
	assert.Error(t, p.Zero(t.Context()), "zeroing a stopped process")
}

func TestLookCallgrindMissing(t *testing.T) {
	_, err := LookCallgrind(filepath.Join(t.TempDir(), "valgrind"))
	assert.ErrorContains(t, err, "apt-get install valgrind")
}

// TestWithLog checks that a failure under callgrind comes with what
// valgrind's log says of it, without its banner and stack traces.
func TestWithLog(t *testing.T) {
	dir := t.TempDir()
	log := `==23387== Callgrind, a call-graph generating cache profiler
==23387== Copyright (C) 2002-2017, and GNU GPL'd, by Josef Weidendorfer et al.
==23387== Command: /tmp/ace-http-reuse -port 0
==23387== 
0x000000000003c050
BB# 535220

Callgrind: threads.c:247 (vgCallgrind_post_signal): Assertion 'sigNum == vgCallgrind_current_state.sig' failed.
==23387==    at 0x58009A7A: ??? (in /usr/libexec/valgrind/callgrind-amd64-linux)
==23387== Process terminating with default action of signal 9 (SIGKILL)
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "valgrind.log"), []byte(log), 0o644))
	p := &CallgrindProcess{dir: dir}
	err := p.withLog(os.ErrClosed)
	assert.ErrorIs(t, err, os.ErrClosed)
	assert.ErrorIs(t, err, ErrCallgrindCrashed)
	msg := err.Error()
	for _, want := range []string{"Assertion 'sigNum", "Process terminating with default action of signal 9", "BB# 535220"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, unwanted := range []string{"Copyright", "Command:", "at 0x58009A7A"} {
		if strings.Contains(msg, unwanted) {
			t.Errorf("error holds %q:\n%s", unwanted, msg)
		}
	}
	assert.Equal(t, os.ErrClosed, (&CallgrindProcess{dir: t.TempDir()}).withLog(os.ErrClosed), "without a log")
}

func TestExited(t *testing.T) {
	assert.False(t, exited(os.Getpid()), "this process has exited")
	// The test binary as an unknown server kind exits at once.
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), testServerEnv+"=none")
	if err := cmd.Run(); cmd.ProcessState == nil {
		t.Fatal(err)
	}
	assert.True(t, exited(cmd.Process.Pid), "a process waited for has not exited")
}

func TestDumpLabel(t *testing.T) {
	for in, want := range map[string]string{GroupKeepAlive: "http-keep-alive", GroupEcho: "echo", "Idle, x": "-dle--x"} {
		assert.Equal(t, want, dumpLabel(in), "dumpLabel(%q)", in)
	}
}

func TestRetryCrash(t *testing.T) {
	h := &harness{log: slog.New(slog.DiscardHandler)}
	var tries []string
	crash := fmt.Errorf("dump: %w", ErrCallgrindCrashed)
	err := h.retryCrash("x", func(try string) error {
		tries = append(tries, try)
		if len(tries) == 1 {
			return crash
		}
		return nil
	})
	assert.NoError(t, err, "after one crash")
	assert.Equal(t, []string{"", ".retry"}, tries, "tries after one crash")
	tries = nil
	if err := h.retryCrash("x", func(try string) error { tries = append(tries, try); return crash }); err != crash || len(tries) != 2 {
		t.Errorf("after two crashes: %v, %d tries; want the second crash", err, len(tries))
	}
	tries = nil
	if err := h.retryCrash("x", func(try string) error { tries = append(tries, try); return os.ErrClosed }); err != os.ErrClosed || len(tries) != 1 {
		t.Errorf("another error: %v, %d tries; want it after one try", err, len(tries))
	}
}
