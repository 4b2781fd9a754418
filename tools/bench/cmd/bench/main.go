// Command bench runs Ace's side-by-side benchmarks (issue 5): it builds the
// server programs of tools/bench/cmd, runs each alone on loopback under the
// echo, HTTP and idle-memory loads, prints one table of figures and ratios
// to the peers, and writes it with the date, the machine and the command
// into BENCHMARKS.md at the repository root. With -tests instr it also
// counts each server's instructions per round trip and request under
// valgrind's callgrind.
//
// From the repository root:
//
//	go run ./tools/bench/cmd/bench           # the full run, minutes
//	go run ./tools/bench/cmd/bench -short    # a smoke test, seconds
//
// The HTTP loads need wrk (Debian: apt-get install wrk), the instruction
// counts valgrind (apt-get install valgrind). With -short it writes no file
// unless -out is given, and counts instructions, briefly, when valgrind is
// installed. Run with -h for every flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ace-go/ace/tools/bench"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// errUsage marks a command line the flag package rejected and explained.
var errUsage = errors.New("usage")

func run(args []string, stdout, stderr io.Writer) error {
	def := bench.Defaults(false)
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	short := fs.Bool("short", false, "run every part briefly (CI's smoke test); writes no file unless -out is given")
	duration := fs.Duration("duration", def.Duration, "how long each measured load runs")
	warmup := fs.Duration("warmup", def.Warmup, "warm-up before each measured load")
	rounds := fs.Int("rounds", def.Rounds, "rounds of each load on each server; the median is reported")
	conns := fs.Int("conns", def.Conns, "connections of each echo and HTTP load")
	size := fs.Int("size", def.Size, "echo message size in `bytes`")
	maxRT := fs.Int64("max", def.MaxRoundTrips, "most round trips of each echo measurement")
	threads := fs.Int("threads", def.Threads, "wrk threads")
	pipeline := fs.Int("pipeline", def.Pipeline, "pipelining depth of the pipelined HTTP load")
	think := fs.Duration("think", def.Think, "how long each connection of the paced HTTP load waits after each response (whole milliseconds), which sets the same load for every server")
	idle := fs.Int("idle", def.Idle, "idle connections of the memory measurement")
	idleWait := fs.Duration("idle-wait", def.IdleWait, "how long the idle connections stay silent before each memory reading")
	tests := fs.String("tests", "", "comma-separated `tests` to run: echo, http, idle, instr (default echo,http,idle; -short adds instr when valgrind is installed)")
	instrDuration := fs.Duration("instr-duration", def.InstrDuration, "how long each load runs under callgrind (test instr)")
	instrRounds := fs.Int("instr-rounds", def.InstrRounds, "rounds of each load under callgrind; the median is reported")
	out := fs.String("out", "", "write the report to `file` (default BENCHMARKS.md at the repository root, except with -short)")
	profile := fs.String("profile", "", "profile the Ace servers under each load into `dir`, and add the top entries to the report")
	wrk := fs.String("wrk", "wrk", "the wrk `executable`")
	valgrind := fs.String("valgrind", "valgrind", "the valgrind `executable`, for test instr")
	note := fs.String("note", "", "a paragraph to add to the report, such as what else loaded the machine")
	quiet := fs.Bool("q", false, "print no progress")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err) // the flag package has printed it
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	cfg := bench.Defaults(*short)
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "duration":
			cfg.Duration = *duration
		case "warmup":
			cfg.Warmup = *warmup
		case "rounds":
			cfg.Rounds = *rounds
		case "conns":
			cfg.Conns = *conns
		case "size":
			cfg.Size = *size
		case "max":
			cfg.MaxRoundTrips = *maxRT
		case "threads":
			cfg.Threads = *threads
		case "pipeline":
			cfg.Pipeline = *pipeline
		case "think":
			cfg.Think = *think
		case "idle":
			cfg.Idle = *idle
		case "idle-wait":
			cfg.IdleWait = *idleWait
		case "instr-duration":
			cfg.InstrDuration = *instrDuration
		case "instr-rounds":
			cfg.InstrRounds = *instrRounds
		}
	})
	for t := range strings.SplitSeq(*tests, ",") {
		if t = strings.TrimSpace(t); t != "" {
			cfg.Tests = append(cfg.Tests, t)
		}
	}
	cfg.ProfileDir = *profile
	cfg.Wrk = *wrk
	cfg.Valgrind = *valgrind
	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelWarn
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	path := *out
	if path == "" && !*short {
		path = filepath.Join(repoRoot(), "BENCHMARKS.md")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if len(rep.Rows) > 0 {
		fmt.Fprintf(stdout, "\n%s\n%s", rep.Table(), rep.GoalsTable())
	}
	if t := rep.InstrTable(); t != "" {
		fmt.Fprintf(stdout, "\nInstructions per round trip or request (callgrind; lower is better):\n\n%s\n%s", t, rep.InstrBreakdownTable())
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(stdout, "\nleft out: %s\n", s)
	}
	if path == "" {
		return nil
	}
	md := rep.Markdown(commandLine(args), *note)
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s (%s)\n", path, time.Now().Format(time.DateTime))
	return nil
}

// repoRoot returns the nearest directory at or above the current one that
// holds go.work, or the current directory.
func repoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd
		}
		dir = parent
	}
}

// commandLine returns the command that reproduces this run.
func commandLine(args []string) string {
	parts := []string{"go run ./tools/bench/cmd/bench"}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'\\$`") {
			a = strconv.Quote(a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}
