package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// InstrBreakdown is where a server's instructions went, per round trip or
// request, by Category (indexed by it).
type InstrBreakdown [NumCategories]float64

// Units of the instruction counts.
const (
	unitInstrRT  = "instr/RT"
	unitInstrReq = "instr/req"
)

// instr counts, under callgrind, the instructions each server executes per
// echo round trip and per HTTP request, keep-alive and pipelined, each load
// on one connection: the servers run some fifty times slower under
// callgrind, and with many connections each read would find several
// requests waiting, which hides the per-packet costs of the real runs.
// Each round starts a fresh process of each server, in rotating order; the
// report gives the median round.
func (h *harness) instr(ctx context.Context) error {
	base := filepath.Join(h.bins, "callgrind")
	if h.cfg.ProfileDir != "" {
		base = filepath.Join(h.cfg.ProfileDir, "callgrind")
		h.log.Info("callgrind dumps", "dir", base)
	}
	runs := make(map[string]map[string][]Row)
	add := func(r Row) {
		if runs[r.Group] == nil {
			runs[r.Group] = make(map[string][]Row)
		}
		runs[r.Group][r.Server] = append(runs[r.Group][r.Server], r)
	}
	dir := func(name string, round int) string {
		return filepath.Join(base, fmt.Sprintf("%s.round%d", name, round+1))
	}
	for round := range h.cfg.InstrRounds {
		for _, name := range rotate(echoServers, round) {
			var row Row
			err := h.retryCrash(name, func(try string) (err error) {
				row, err = h.instrEcho(ctx, name, dir(name, round)+try)
				return err
			})
			if err != nil {
				return err
			}
			h.log.Info("instr", "round", round+1, "server", name, "echo instr/RT", int64(row.Value))
			add(row)
		}
		for _, name := range rotate(httpServers, round) {
			var k, p Row
			err := h.retryCrash(name, func(try string) (err error) {
				k, p, err = h.instrHTTP(ctx, name, dir(name, round)+try)
				return err
			})
			if err != nil {
				return err
			}
			h.log.Info("instr", "round", round+1, "server", name,
				"keep-alive instr/req", int64(k.Value), "pipelined instr/req", int64(p.Value))
			add(k)
			add(p)
		}
	}
	for _, g := range []struct {
		group   string
		servers []string
	}{{GroupEcho, echoServers}, {GroupKeepAlive, httpServers}, {GroupPipelined, httpServers}} {
		for _, name := range g.servers {
			h.report.Instr = append(h.report.Instr, median(runs[g.group][name]))
		}
	}
	return nil
}

// retryCrash runs measure, and once more if callgrind crashed: rare with
// the servers' signals turned off (see callgrindGODEBUG), but fatal to the
// whole run. measure gets "" the first time, ".retry" the second, for its
// directory's name.
func (h *harness) retryCrash(name string, measure func(try string) error) error {
	err := measure("")
	if errors.Is(err, ErrCallgrindCrashed) {
		h.log.Warn("callgrind crashed; measuring again", "server", name, "err", err)
		err = measure(".retry")
	}
	return err
}

// startCallgrind starts the server program name under callgrind, its files
// in dir.
func (h *harness) startCallgrind(ctx context.Context, name, dir string) (*CallgrindProcess, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	// Signals crash callgrind; see callgrindGODEBUG.
	p, err := h.callgrind.Start(ctx, name, dir, filepath.Join(h.bins, name), "-ignore-sigpipe")
	if err != nil {
		return nil, err
	}
	h.procs = append(h.procs, p.Process)
	return p, nil
}

// instrEcho counts the instructions of echo round trips on one connection,
// on a fresh process of server name under callgrind. The counters are
// zeroed once the connection is open and warm, and dumped before it
// closes.
func (h *harness) instrEcho(ctx context.Context, name, dir string) (Row, error) {
	p, err := h.startCallgrind(ctx, name, dir)
	if err != nil {
		return Row{}, err
	}
	defer p.Stop()
	if err := probeOnce(ctx, p.Addr, EchoProbe); err != nil {
		return Row{}, fmt.Errorf("bench: %s: %w", name, err)
	}
	var prof *CallgrindProfile
	res, err := RunEcho(ctx, EchoLoad{
		Addr: p.Addr, Conns: 1, Size: h.cfg.Size,
		Warmup: h.cfg.Warmup, Duration: h.cfg.InstrDuration,
		OnMeasure:  func() error { return p.Zero(ctx) },
		OnMeasured: func() (err error) { prof, _, err = p.Dump(ctx, "echo"); return err },
	})
	if err != nil {
		return Row{}, fmt.Errorf("bench: echo load on %s under callgrind: %w", name, err)
	}
	if res.RoundTrips == 0 {
		return Row{}, fmt.Errorf("bench: echo load on %s under callgrind: no round trip completed", name)
	}
	if err := p.Stop(); err != nil {
		return Row{}, err
	}
	return instrRow(GroupEcho, name, unitInstrRT, prof, res.RoundTrips), nil
}

// instrHTTP counts the instructions of HTTP requests on one connection, on
// a fresh process of server name under callgrind: wrk's keep-alive load,
// then its pipelined one, after a warm-up when the configuration has one.
func (h *harness) instrHTTP(ctx context.Context, name, dir string) (k, pl Row, err error) {
	p, err := h.startCallgrind(ctx, name, dir)
	if err != nil {
		return k, pl, err
	}
	defer p.Stop()
	if err := probeOnce(ctx, p.Addr, HTTPProbe); err != nil {
		return k, pl, fmt.Errorf("bench: %s: %w", name, err)
	}
	load := WrkLoad{URL: "http://" + p.Addr + "/", Threads: 1, Conns: 1, Scripts: h.bins}
	if h.cfg.Warmup > 0 {
		warm := load
		warm.Duration = h.cfg.Warmup
		if _, err := RunWrk(ctx, h.wrk, warm); err != nil {
			return k, pl, fmt.Errorf("bench: warm-up of %s under callgrind: %w", name, err)
		}
	}
	load.Duration = h.cfg.InstrDuration
	if k, err = h.instrWrk(ctx, p, GroupKeepAlive, load); err != nil {
		return k, pl, err
	}
	load.Pipeline = h.cfg.Pipeline
	if pl, err = h.instrWrk(ctx, p, GroupPipelined, load); err != nil {
		return k, pl, err
	}
	return k, pl, p.Stop()
}

// instrWrk zeroes p's counters, runs one wrk load and dumps the counts. They
// include wrk's connection being accepted and closed: a few thousand
// instructions over thousands of requests.
func (h *harness) instrWrk(ctx context.Context, p *CallgrindProcess, group string, load WrkLoad) (Row, error) {
	if err := p.Zero(ctx); err != nil {
		return Row{}, err
	}
	res, err := RunWrk(ctx, h.wrk, load)
	if err != nil {
		return Row{}, fmt.Errorf("bench: %s on %s under callgrind: %w", group, p.Name, err)
	}
	prof, _, err := p.Dump(ctx, dumpLabel(group))
	if err != nil {
		return Row{}, err
	}
	if res.Requests == 0 || res.Non2xx > 0 {
		return Row{}, fmt.Errorf("bench: %s on %s under callgrind: %d requests, %d answered with an error status",
			group, p.Name, res.Requests, res.Non2xx)
	}
	row := instrRow(group, p.Name, unitInstrReq, prof, res.Requests)
	if n := res.Errors(); n > 0 {
		row.Note = fmt.Sprintf("wrk counted %d socket errors", n)
	}
	return row, nil
}

// dumpLabel turns a group's name into a label for a callgrind dump.
func dumpLabel(group string) string {
	b := []byte(group)
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			b[i] = '-'
		}
	}
	return string(b)
}

// instrRow makes the row of a dump that counted ops round trips or requests.
func instrRow(group, server, unit string, prof *CallgrindProfile, ops int64) Row {
	n := float64(ops)
	var b InstrBreakdown
	for c, v := range Categorized(prof.Functions) {
		b[c] = float64(v) / n
	}
	return Row{
		Group: group, Server: server, Ace: isAce(server),
		Value: float64(prof.Total) / n, Unit: unit,
		Count: ops, Instr: &b,
	}
}
