package bench

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	p, err := cg.Start(t.Context(), PlainEcho, dir, bin, "-ignore-sigpipe")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()

	if _, _, err := p.Dump(t.Context(), "no spaces"); err == nil {
		t.Error("a dump label with a space was accepted")
	}
	var prof *CallgrindProfile
	var file string
	res, err := RunEcho(t.Context(), EchoLoad{
		Addr: p.Addr, Conns: 1, Size: 64, Duration: 500 * time.Millisecond,
		OnMeasure:  func() error { return p.Zero(t.Context()) },
		OnMeasured: func() (err error) { prof, file, err = p.Dump(t.Context(), "echo"); return err },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.RoundTrips == 0 || prof == nil {
		t.Fatalf("%d round trips, profile %v", res.RoundTrips, prof)
	}
	if want := filepath.Join(dir, "callgrind.out.1"); file != want {
		t.Errorf("dump in %s, want %s", file, want)
	}
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
	if !strings.Contains(prof.Command, bin) {
		t.Errorf("dump of %q, want %s", prof.Command, bin)
	}
	t.Logf("%.0f instructions per round trip over %d round trips: %v", perRT, res.RoundTrips, by)

	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "callgrind.out")); err != nil || fi.Size() == 0 {
		t.Errorf("no final dump at exit: %v", err)
	}
	if err := p.Zero(t.Context()); err == nil {
		t.Error("zeroing a stopped process succeeded")
	}
}

func TestLookCallgrindMissing(t *testing.T) {
	if _, err := LookCallgrind(filepath.Join(t.TempDir(), "valgrind")); err == nil || !strings.Contains(err.Error(), "apt-get install valgrind") {
		t.Errorf("err = %v, want one saying how to install valgrind", err)
	}
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
	if err := os.WriteFile(filepath.Join(dir, "valgrind.log"), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &CallgrindProcess{dir: dir}
	err := p.withLog(os.ErrClosed)
	if !errors.Is(err, os.ErrClosed) || !errors.Is(err, ErrCallgrindCrashed) {
		t.Errorf("err = %v, want os.ErrClosed and ErrCallgrindCrashed", err)
	}
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
	if err := (&CallgrindProcess{dir: t.TempDir()}).withLog(os.ErrClosed); err != os.ErrClosed {
		t.Errorf("without a log: %v", err)
	}
}

func TestExited(t *testing.T) {
	if exited(os.Getpid()) {
		t.Error("this process has exited")
	}
	// The test binary as an unknown server kind exits at once.
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), testServerEnv+"=none")
	if err := cmd.Run(); cmd.ProcessState == nil {
		t.Fatal(err)
	}
	if !exited(cmd.Process.Pid) {
		t.Error("a process waited for has not exited")
	}
}

func TestDumpLabel(t *testing.T) {
	for in, want := range map[string]string{GroupKeepAlive: "http-keep-alive", GroupEcho: "echo", "Idle, x": "-dle--x"} {
		if got := dumpLabel(in); got != want {
			t.Errorf("dumpLabel(%q) = %q, want %q", in, got, want)
		}
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
	if err != nil || !slices.Equal(tries, []string{"", ".retry"}) {
		t.Errorf("after one crash: %v, tries %q", err, tries)
	}
	tries = nil
	if err := h.retryCrash("x", func(try string) error { tries = append(tries, try); return crash }); err != crash || len(tries) != 2 {
		t.Errorf("after two crashes: %v, %d tries; want the second crash", err, len(tries))
	}
	tries = nil
	if err := h.retryCrash("x", func(try string) error { tries = append(tries, try); return os.ErrClosed }); err != os.ErrClosed || len(tries) != 1 {
		t.Errorf("another error: %v, %d tries; want it after one try", err, len(tries))
	}
}
