package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/ace-go/ace/tools/bench"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestShortRun runs the whole harness as CI does, in short mode, and checks
// that the table it prints and the report it writes have every row. Without
// wrk it runs the other tests, then skips. Without valgrind it checks that
// the report says why it counted no instructions.
func TestShortRun(t *testing.T) {
	args := []string{"-short", "-q"}
	_, wrkErr := exec.LookPath("wrk")
	requireTool(t, "wrk", wrkErr)
	if wrkErr != nil {
		args = append(args, "-tests", "echo,idle")
	}
	out := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	args = append(args, "-out", out)
	var stdout, stderr bytes.Buffer
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("bench %s: %v\nstderr:\n%s", strings.Join(args, " "), err, stderr.String())
	}
	md, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ group, server string }
	var want []row
	for _, g := range []string{bench.GroupEcho, bench.GroupIdleEcho} {
		for _, s := range []string{bench.AceEcho, bench.AceEchoLoop, bench.PlainEcho, bench.GnetEcho} {
			want = append(want, row{g, s})
		}
	}
	groups := []string{bench.GroupIdleHTTP}
	goals := []string{
		"echo round trips/s ≥ 1.0x plain Go (ace-echo)",
		"echo round trips/s ≥ 1.0x plain Go (ace-echo-loop)",
		"echo: 0 allocations per round trip (ace-echo-loop)",
		"idle memory per connection ≤ 4 KiB (ace-echo)",
		"idle memory per connection ≤ 4 KiB (ace-echo-loop)",
		"idle memory per connection ≤ net/http (ace-http)",
		"idle memory per connection ≤ net/http (ace-http-reuse)",
	}
	if wrkErr == nil {
		groups = append(groups, bench.GroupKeepAlive, bench.GroupBrowser, bench.GroupPipelined, bench.GroupPaced)
		goals = append(goals,
			"http keep-alive req/s ≥ fasthttp (ace-http)",
			"http keep-alive req/s ≥ fasthttp (ace-http-reuse)",
			"http pipelined req/s ≥ 1.5x net/http (ace-http-reuse)",
			"http p99 at the same load ≤ net/http (ace-http)",
			"http p99 at the same load ≤ net/http (ace-http-reuse)")
	}
	for _, g := range groups {
		for _, s := range []string{bench.AceHTTP, bench.AceHTTPReuse, bench.NetHTTP, bench.FastHTTP} {
			want = append(want, row{g, s})
		}
	}
	for _, r := range want {
		server := r.server
		if strings.HasPrefix(server, "ace-") {
			server = "**" + server + "**"
		}
		prefix := "| " + r.group + " | " + server + " | "
		for name, text := range map[string]string{"table": stdout.String(), "BENCHMARKS.md": string(md)} {
			if !strings.Contains(text, prefix) {
				t.Errorf("%s has no row %q:\n%s", name, prefix, text)
			}
		}
	}
	for _, want := range append([]string{"## Goals", "-short -q", "Short mode"}, goals...) {
		if !strings.Contains(string(md), want) {
			t.Errorf("BENCHMARKS.md lacks %q", want)
		}
	}
	_, valgrindErr := bench.LookCallgrind("")
	requireTool(t, "valgrind", valgrindErr)
	switch {
	case wrkErr != nil:
	case valgrindErr != nil:
		if !strings.Contains(string(md), "- Left out: instr: ") {
			t.Errorf("BENCHMARKS.md does not say why it counted no instructions")
		}
	default:
		checkInstr(t, stdout.String(), string(md))
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", stderr.String())
	}
	if wrkErr != nil {
		t.Skipf("wrk is not installed, so the HTTP loads did not run: %v", wrkErr)
	}
}

// requireTool fails the test when the lookup of the program name failed
// and ACE_REQUIRE_TOOLS=1, as under CI, where .ci/run installs wrk and
// valgrind; otherwise the test runs without the program.
func requireTool(t *testing.T, name string, lookErr error) {
	t.Helper()
	if lookErr != nil && os.Getenv("ACE_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s is not installed, and ACE_REQUIRE_TOOLS=1: %v", name, lookErr)
	}
}

// TestShortWritesNothing checks that -short alone writes no report.
func TestShortWritesNothing(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile("go.work", []byte("go 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An unknown test fails the run after the flags are read, before
	// anything is built; the point is that no file appears either way.
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-short", "-tests", "nope"}, &stdout, &stderr); err == nil {
		t.Fatal("run with an unknown test succeeded")
	}
	if _, err := os.Stat("BENCHMARKS.md"); !os.IsNotExist(err) {
		t.Errorf("short run wrote BENCHMARKS.md (stat: %v)", err)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-bogus"},
		{"extra"},
		{"-conns", "0"},
		{"-duration", "-1s"},
		{"-idle", "0"},
		{"-instr-rounds", "0"},
		{"-instr-duration", "0s"},
		{"-think", "0s"},
		{"-think", "2s"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(append(args, "-short", "-tests", "echo"), &stdout, &stderr); err == nil {
			t.Errorf("bench %v succeeded", args)
		}
	}
}

func TestCommandLine(t *testing.T) {
	got := commandLine([]string{"-duration", "5s", "-note", "two words", ""})
	want := `go run ./tools/bench/cmd/bench -duration 5s -note "two words" ""`
	if got != want {
		t.Errorf("commandLine = %s, want %s", got, want)
	}
}

func TestRepoRoot(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.work"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	got, err := filepath.EvalSymlinks(repoRoot())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(root)
	if got != want {
		t.Errorf("repoRoot = %s, want %s", got, want)
	}
}

// checkInstr checks that the output and the report of a run have the
// instruction count and its breakdown of every server under every load.
func checkInstr(t *testing.T, stdout, md string) {
	t.Helper()
	loads := []struct {
		group, unit string
		servers     []string
	}{
		{bench.GroupEcho, "instr/RT", []string{bench.AceEcho, bench.AceEchoLoop, bench.PlainEcho, bench.GnetEcho}},
		{bench.GroupKeepAlive, "instr/req", []string{bench.AceHTTP, bench.AceHTTPReuse, bench.NetHTTP, bench.FastHTTP}},
		{bench.GroupPipelined, "instr/req", []string{bench.AceHTTP, bench.AceHTTPReuse, bench.NetHTTP, bench.FastHTTP}},
	}
	for _, l := range loads {
		for _, s := range l.servers {
			name := regexp.QuoteMeta(l.group) + ` \| (\*\*)?` + regexp.QuoteMeta(s) + `(\*\*)? \| `
			count := regexp.MustCompile(name + `[0-9,]+ ` + regexp.QuoteMeta(l.unit) + ` \|`)
			breakdown := regexp.MustCompile(name + `[0-9,]+( \| [0-9,]+){7} \|`)
			for where, text := range map[string]string{"output": stdout, "BENCHMARKS.md": md} {
				if !count.MatchString(text) {
					t.Errorf("%s has no instruction count of %s under %s", where, s, l.group)
				}
				if !breakdown.MatchString(text) {
					t.Errorf("%s has no breakdown of the instructions of %s under %s", where, s, l.group)
				}
			}
		}
	}
	if !strings.Contains(md, "## Instructions per round trip or request (callgrind)") {
		t.Error("BENCHMARKS.md has no instruction section")
	}
}
