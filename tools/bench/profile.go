package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Profile is a profile of an Ace server under one of the loads, with the
// top of what pprof makes of it.
type Profile struct {
	Server string // the server program
	Load   string // the row group whose load ran
	Kind   string // "cpu", "allocs" (objects), "alloc bytes" or "heap in use"
	Path   string // the profile file
	Top    string // `go tool pprof -top`, trimmed
}

// profileTop is how many entries of each profile the report keeps.
const profileTop = 15

// profileRate is the memory profile rate of the idle heap profiles: one
// sample every this many bytes allocated, finer than Go's default 512 KiB so
// that small per-connection objects show. The loads keep the default: under
// load a fine rate spends the CPU profile on unwinding stacks.
const profileRate = 4096

// profile runs the Ace servers once more under each load, with their
// profiling flags, and summarises the profiles.
func (h *harness) profile(ctx context.Context) error {
	dir := h.cfg.ProfileDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	flags := func(server, load string) (cpu, mem string, args []string) {
		base := filepath.Join(dir, server+"."+strings.ReplaceAll(load, " ", "-"))
		cpu, mem = base+".cpu.pprof", base+".allocs.pprof"
		return cpu, mem, []string{"-cpuprofile", cpu, "-memprofile", mem}
	}
	type run struct {
		server, load string
		do           func(flags []string) error
	}
	var runs []run
	if h.cfg.runs(TestEcho) {
		for _, server := range aceEchoServers {
			runs = append(runs, run{server, GroupEcho, func(f []string) error {
				_, err := h.echoOnce(ctx, server, f)
				return err
			}})
		}
	}
	if h.cfg.runs(TestHTTP) {
		for _, server := range aceHTTPServers {
			runs = append(runs,
				run{server, GroupKeepAlive, func(f []string) error {
					_, err := h.httpOnce(ctx, server, f, GroupKeepAlive)
					return err
				}},
				run{server, GroupPipelined, func(f []string) error {
					_, err := h.httpOnce(ctx, server, f, GroupPipelined)
					return err
				}})
		}
	}
	if h.cfg.runs(TestIdle) {
		type idleRun struct {
			server string
			probe  Probe
		}
		var idle []idleRun
		for _, server := range aceEchoServers {
			idle = append(idle, idleRun{server, EchoProbe})
		}
		for _, server := range aceHTTPServers {
			idle = append(idle, idleRun{server, HTTPProbe})
		}
		for _, g := range idle {
			path := filepath.Join(dir, g.server+".idle.heap.pprof")
			h.log.Info("profiling", "server", g.server, "load", "idle")
			if _, err := h.idleOnce(ctx, g.server, g.probe, path, "-memprofilerate", strconv.Itoa(profileRate)); err != nil {
				return fmt.Errorf("bench: profiling %s: %w", g.server, err)
			}
			top, err := pprofTop(ctx, filepath.Join(h.bins, g.server), path, "heap")
			if err != nil {
				return err
			}
			h.report.Profiles = append(h.report.Profiles, Profile{
				Server: g.server, Load: "idle connections", Kind: "heap in use", Path: path, Top: top,
			})
		}
	}
	for _, r := range runs {
		cpu, mem, args := flags(r.server, r.load)
		h.log.Info("profiling", "server", r.server, "load", r.load)
		if err := r.do(args); err != nil {
			return fmt.Errorf("bench: profiling %s: %w", r.server, err)
		}
		bin := filepath.Join(h.bins, r.server)
		for _, p := range []struct{ kind, path string }{{"cpu", cpu}, {"allocs", mem}, {"alloc bytes", mem}} {
			top, err := pprofTop(ctx, bin, p.path, p.kind)
			if err != nil {
				return err
			}
			h.report.Profiles = append(h.report.Profiles, Profile{
				Server: r.server, Load: r.load, Kind: p.kind, Path: p.path, Top: top,
			})
		}
	}
	return nil
}

// pprofTop returns the top entries of a profile: CPU time; for an
// allocation profile the number of objects allocated ("allocs") or their
// bytes ("alloc bytes": what sets how often the collector runs); for a heap
// profile the bytes in use.
func pprofTop(ctx context.Context, bin, path, kind string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	args := []string{"tool", "pprof", "-top", fmt.Sprintf("-nodecount=%d", profileTop)}
	switch kind {
	case "allocs":
		args = append(args, "-sample_index=alloc_objects")
	case "alloc bytes":
		args = append(args, "-sample_index=alloc_space")
	case "heap":
		args = append(args, "-sample_index=inuse_space")
	}
	args = append(args, bin, path)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.SysProcAttr = childAttr()
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("bench: go %s: %w", strings.Join(args, " "), err)
	}
	// Drop pprof's preamble (file, build ID, type, time), keep the rest.
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Showing nodes") {
			lines = lines[i:]
			break
		}
	}
	return strings.Join(lines, "\n"), nil
}
