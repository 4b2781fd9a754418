package bench

import (
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestServers checks that every server the harness runs has a program under
// cmd/, and that the Ace ones, and only they, make Ace rows.
func TestServers(t *testing.T) {
	for _, name := range slices.Concat(echoServers, httpServers) {
		assert.FileExists(t, filepath.Join("cmd", name, "main.go"), "server %s's program", name)
	}
	assert.Subset(t, echoServers, aceEchoServers, "the Ace echo servers are among the echo servers")
	assert.Subset(t, httpServers, aceHTTPServers, "the Ace HTTP servers are among the HTTP servers")
	for name, want := range map[string]bool{
		AceEcho: true, AceEchoLoop: true, AceHTTP: true, AceHTTPReuse: true,
		PlainEcho: false, GnetEcho: false, NetHTTP: false, FastHTTP: false,
	} {
		assert.Equal(t, want, isAce(name), "isAce(%s)", name)
	}
}

// TestRunNeedsValgrind checks that a run asked to count instructions fails
// at once, with a clear error, without valgrind.
func TestRunNeedsValgrind(t *testing.T) {
	cfg := Defaults(true)
	cfg.Tests = []string{TestInstr}
	cfg.Valgrind = filepath.Join(t.TempDir(), "valgrind")
	_, err := Run(t.Context(), cfg)
	if !errors.Is(err, exec.ErrNotFound) && !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "valgrind") {
		t.Errorf("err = %v, want one saying valgrind is missing", err)
	}
}

func TestDefaultTests(t *testing.T) {
	cfg := Defaults(false)
	cfg.Logger = slog.New(slog.DiscardHandler)
	if tests, skipped := cfg.defaultTests(); !slices.Equal(tests, []string{TestEcho, TestHTTP, TestIdle}) || skipped != nil {
		t.Errorf("full run: tests %v, skipped %v; want echo, http and idle", tests, skipped)
	}
	cfg = Defaults(true)
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Valgrind = filepath.Join(t.TempDir(), "valgrind")
	tests, skipped := cfg.defaultTests()
	if slices.Contains(tests, TestInstr) || len(skipped) != 1 || !strings.HasPrefix(skipped[0], "instr: ") {
		t.Errorf("short run without valgrind: tests %v, skipped %v; want instr left out, saying why", tests, skipped)
	}
	if _, err := LookCallgrind(""); err == nil {
		cfg.Valgrind = ""
		if tests, skipped := cfg.defaultTests(); !slices.Contains(tests, TestInstr) || skipped != nil {
			t.Errorf("short run with valgrind: tests %v, skipped %v; want instr", tests, skipped)
		}
	}
}

// TestGroupLoad checks that each HTTP group runs its own load: only
// pipelined pipelines, only paced thinks, and only browser sends the
// browser's header fields, on top of the same keep-alive load.
func TestGroupLoad(t *testing.T) {
	h := &harness{cfg: Defaults(false)}
	base := WrkLoad{URL: "http://x/", Threads: 2, Conns: 50, Duration: time.Second, Scripts: "d"}
	for _, g := range httpGroups {
		got := h.groupLoad(base, g)
		if (got.Pipeline > 1) != (g == GroupPipelined) || got.Pipeline > 1 && got.Pipeline != h.cfg.Pipeline {
			t.Errorf("%s: pipelines %d deep", g, got.Pipeline)
		}
		if (got.Think > 0) != (g == GroupPaced) || got.Think > 0 && got.Think != h.cfg.Think {
			t.Errorf("%s: thinks %v", g, got.Think)
		}
		if (len(got.Headers) > 0) != (g == GroupBrowser) {
			t.Errorf("%s: sends %d header fields", g, len(got.Headers))
		}
		got.Pipeline, got.Think, got.Headers = 0, 0, nil
		if !reflect.DeepEqual(got, base) {
			t.Errorf("%s: load %+v, want the keep-alive load %+v under it", g, got, base)
		}
	}
	if h.cfg.Pipeline <= 1 || h.cfg.Think <= 0 {
		t.Errorf("defaults pipeline %d deep and think %v: want both on", h.cfg.Pipeline, h.cfg.Think)
	}
	var size int
	for _, f := range BrowserHeaders {
		name, value, ok := strings.Cut(f, ": ")
		if !ok || name == "" || value == "" || strings.EqualFold(name, "Host") {
			t.Errorf("browser header %q: want \"Name: value\", not Host (wrk sends it)", f)
		}
		size += len(f) + 2
	}
	if size < 300 {
		t.Errorf("browser header fields: %d bytes, want a browser's few hundred", size)
	}
}
