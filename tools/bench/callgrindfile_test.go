package bench

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readFixture parses testdata/callgrind/server.callgrind: a small dump in
// the shape callgrind 3.19 writes for the servers, with every category,
// compressed names, relative positions, inlined files, calls still running
// since the counters were zeroed (calls=0), recursion and a function
// without symbols.
func readFixture(t *testing.T) *CallgrindProfile {
	t.Helper()
	f, err := os.Open("testdata/callgrind/server.callgrind")
	require.NoError(t, err)
	defer f.Close()
	p, err := ParseCallgrind(f)
	require.NoError(t, err)
	return p
}

func TestParseCallgrind(t *testing.T) {
	p := readFixture(t)
	if p.Total != 506 || p.Command != "/tmp/ace-bench-1/ace-http -port 0" {
		t.Errorf("total %d, command %q; want 506 and the server's", p.Total, p.Command)
	}
	got := make(map[string]FunctionCost)
	var sum uint64
	for _, fc := range p.Functions {
		if _, dup := got[fc.Function]; dup {
			t.Errorf("%s listed twice", fc.Function)
		}
		got[fc.Function] = fc
		sum += fc.Instructions
	}
	assert.Equal(t, p.Total, sum, "the functions' sum")
	for fn, want := range map[string]uint64{
		// Its own 3, not the 78,966,800 of the call to control still
		// running since the counters were zeroed.
		"github.com/ace-go/ace/tools/bench/internal/serve.run": 3,
		// Lines of an inlined file count for the function; the call to
		// Index does not, nor the position-only line after it.
		"github.com/ace-go/ace/apps/http1.parseField": 150,
		"internal/stringslite.Index":                  90,
		// Recursion levels merged.
		"runtime.main":                    5,
		"pthread_mutex_lock@@GLIBC_2.2.5": 5,
		"github.com/ace-go/ace/core.(*ring[go.shape.struct { a [2]int }]).push": 21,
	} {
		assert.EqualValues(t, want, got[fn].Instructions, "%s: instructions", fn)
	}
	for _, fn := range []string{"github.com/ace-go/ace/tools/bench/internal/serve.control", "runtime.selectgo"} {
		assert.NotContains(t, got, fn, "%s, which only called, is listed", fn)
	}
	if fc := got["internal/stringslite.Index"]; fc.File != "/usr/local/go/src/internal/stringslite/strings.go" || fc.Object != "/tmp/ace-bench-1/ace-http" {
		t.Errorf("Index in file %q, object %q", fc.File, fc.Object)
	}
	assert.Equal(t, "github.com/ace-go/ace/apps/http1.parseField", p.Functions[0].Function, "first function: the one with the most instructions")
}

func TestParseCallgrindErrors(t *testing.T) {
	const head = "events: Ir\nfl=(1) a.go\nfn=(1) main.f\n"
	for name, in := range map[string]string{
		"empty":           "",
		"no totals":       head + "1 2\n",
		"no events":       "fn=(1) main.f\n1 2\ntotals: 2\n",
		"no Ir":           "events: Dr\nfn=(1) main.f\n1 2\ntotals: 2\n",
		"totals differ":   head + "1 2\ntotals: 3\n",
		"bad cost":        head + "1 x\ntotals: 0\n",
		"negative cost":   head + "1 -2\ntotals: 0\n",
		"undefined name":  "events: Ir\nfn=(7)\n1 2\ntotals: 2\n",
		"outside fn":      "events: Ir\n1 2\ntotals: 2\n",
		"unknown spec":    head + "xyz=1\ntotals: 0\n",
		"garbage":         head + "hello\ntotals: 0\n",
		"bad compression": "events: Ir\nfn=(1 main.f\n1 2\ntotals: 2\n",
		"overflow":        head + "1 18446744073709551615\n2 1\ntotals: 0\n",
	} {
		_, err := ParseCallgrind(strings.NewReader(in))
		assert.ErrorIs(t, err, ErrCallgrindFormat, name)
	}
	// Two position columns (--dump-instr=yes), a second event, costs left
	// out at the end of a line, and an uncompressed name.
	p, err := ParseCallgrind(strings.NewReader("positions: instr line\nevents: Dr Ir\nfn=main.f\n0x10 3 1 4\n+2 * 5\n+1 +1\ntotals: 6 4\n"))
	if err != nil || p.Total != 4 || len(p.Functions) != 1 || p.Functions[0].Function != "main.f" {
		t.Errorf("two positions, two events: %+v, %v", p, err)
	}
}

func TestTrimRecursion(t *testing.T) {
	for in, want := range map[string]string{
		"runtime.main'2": "runtime.main", "runtime.main": "runtime.main",
		"f'": "f'", "f'x2": "f'x2", "'12": "",
	} {
		assert.Equal(t, want, trimRecursion(in), "trimRecursion(%q)", in)
	}
}
