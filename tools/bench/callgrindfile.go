package bench

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// CallgrindProfile is what one callgrind dump counted: the instructions
// executed by the whole program, and by each function itself, without its
// callees.
type CallgrindProfile struct {
	// Command is the profiled program's command line.
	Command string
	// Total is every instruction counted (callgrind's event Ir): the
	// "totals:" line, which is the sum of the functions' own counts.
	Total uint64
	// Functions lists every function that executed an instruction, the
	// most first (then by name). Their Instructions add up to Total.
	Functions []FunctionCost
}

// FunctionCost is the instructions one function executed itself.
type FunctionCost struct {
	// Instructions is the function's own count.
	Instructions uint64
	// Function is the symbol: for Go, the package path, a dot and the
	// name ("net/http.(*conn).serve"). Recursion levels, which callgrind
	// tells apart with a suffix ("runtime.main'2"), are merged.
	Function string
	// File is the source file callgrind gives the function ("???" without
	// debug information). With inlining it may be a file of another package
	// than the function's.
	File string
	// Object is the executable or shared library holding the function.
	Object string
}

// ErrCallgrindFormat reports a callgrind output file that ParseCallgrind
// could not read.
var ErrCallgrindFormat = errors.New("bench: unexpected callgrind output")

// ParseCallgrind reads a callgrind output file (valgrind's "callgrind
// format", version 1) and returns each function's own instruction count.
//
// A function's own count is the sum of the cost lines of its fn= block,
// leaving out the line that follows each calls= line: that line holds the
// inclusive cost of a call, already counted in the callee's block.
// (callgrind_annotate 3.19 counts that line as the caller's own when the
// call count is 0, as it is for a call still running when the counters were
// zeroed: a goroutine parked in select then seems to execute everything its
// thread runs afterwards.) Names may be compressed ("fn=(12) name" defines
// 12, "fn=(12)" refers to it), positions relative ("+3", "-1", "*"); only
// the Ir event is read.
func ParseCallgrind(r io.Reader) (*CallgrindProfile, error) {
	p := &CallgrindProfile{}
	type key struct{ function, file, object string }
	own := make(map[key]uint64)
	names := map[string]map[string]string{"file": {}, "fn": {}, "ob": {}}
	kinds := map[string]string{
		"fl": "file", "fi": "file", "fe": "file", "cfi": "file", "cfl": "file",
		"fn": "fn", "cfn": "fn", "ob": "ob", "cob": "ob",
	}
	var (
		positions = 1  // columns of position before the costs
		irColumn  = -1 // column of Ir among the costs
		file, obj string
		fn        *key
		afterCall bool // the next cost line is a call's inclusive cost
		totals    uint64
		haveTotal bool
		sum       uint64
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20) // C++ and generic Go symbols can be long
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := sc.Text()
		bad := func(what string) error {
			return fmt.Errorf("%w: line %d: %s: %.100q", ErrCallgrindFormat, lineNo, what, line)
		}
		if line == "" || line[0] == '#' {
			continue
		}
		if c := line[0]; c >= '0' && c <= '9' || c == '+' || c == '-' || c == '*' {
			if irColumn < 0 {
				return nil, bad("cost line before the events: line")
			}
			if afterCall {
				afterCall = false
				continue
			}
			fields := strings.Fields(line)
			if len(fields) < positions {
				return nil, bad("too few positions")
			}
			costs := fields[positions:]
			if irColumn >= len(costs) {
				continue // trailing zero costs may be left out
			}
			n, err := strconv.ParseUint(costs[irColumn], 10, 64)
			if err != nil {
				return nil, bad("cost")
			}
			if fn == nil {
				return nil, bad("cost line outside a function")
			}
			if sum+n < sum {
				return nil, bad("counts overflow")
			}
			sum += n
			own[*fn] += n
			continue
		}
		spec, value, ok := strings.Cut(line, "=")
		if ok && !strings.ContainsAny(spec, ": ") {
			switch spec {
			case "calls":
				afterCall = true
				continue
			case "jump", "jcnd":
				continue // --collect-jumps, not used
			}
			kind, known := kinds[spec]
			if !known {
				return nil, bad("unknown specification")
			}
			name, err := uncompress(names[kind], value)
			if err != nil {
				return nil, bad(err.Error())
			}
			switch spec {
			case "fl":
				file = name
			case "ob":
				obj = name
			case "fn":
				fn = &key{function: trimRecursion(name), file: file, object: obj}
			}
			continue
		}
		header, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, bad("neither a cost, a specification nor a header")
		}
		value = strings.TrimSpace(value)
		switch header {
		case "positions":
			positions = len(strings.Fields(value))
			if positions == 0 {
				return nil, bad("no positions")
			}
		case "events":
			irColumn = slices.Index(strings.Fields(value), "Ir")
			if irColumn < 0 {
				return nil, bad("no Ir event")
			}
		case "cmd":
			p.Command = value
		case "totals":
			f := strings.Fields(value)
			if irColumn < 0 || irColumn >= len(f) {
				return nil, bad("totals without Ir")
			}
			n, err := strconv.ParseUint(f[irColumn], 10, 64)
			if err != nil {
				return nil, bad("totals")
			}
			totals, haveTotal = n, true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bench: reading callgrind output: %w", err)
	}
	switch {
	case irColumn < 0:
		return nil, fmt.Errorf("%w: no events: line", ErrCallgrindFormat)
	case !haveTotal:
		return nil, fmt.Errorf("%w: no totals: line (is the file complete?)", ErrCallgrindFormat)
	case totals != sum:
		return nil, fmt.Errorf("%w: the functions add up to %d instructions, the totals: line says %d", ErrCallgrindFormat, sum, totals)
	}
	p.Total = totals
	for k, n := range own {
		if n > 0 {
			p.Functions = append(p.Functions, FunctionCost{Instructions: n, Function: k.function, File: k.file, Object: k.object})
		}
	}
	slices.SortFunc(p.Functions, func(a, b FunctionCost) int {
		if c := cmp.Compare(b.Instructions, a.Instructions); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.Function, b.Function), strings.Compare(a.File, b.File), strings.Compare(a.Object, b.Object))
	})
	return p, nil
}

// uncompress resolves a name as callgrind writes it: "(id) name" defines
// id as name, "(id)" refers to a name defined before, and "name" alone is
// uncompressed.
func uncompress(names map[string]string, s string) (string, error) {
	if !strings.HasPrefix(s, "(") {
		return s, nil
	}
	id, name, ok := strings.Cut(s[1:], ")")
	if !ok || id == "" {
		return "", errors.New("malformed compressed name")
	}
	if name = strings.TrimPrefix(name, " "); name != "" {
		names[id] = name
		return name, nil
	}
	known, ok := names[id]
	if !ok {
		return "", fmt.Errorf("name (%s) used before its definition", id)
	}
	return known, nil
}

// trimRecursion removes callgrind's recursion suffix ("'2") from a symbol.
func trimRecursion(fn string) string {
	i := strings.LastIndexByte(fn, '\'')
	if i < 0 || i == len(fn)-1 {
		return fn
	}
	for _, c := range fn[i+1:] {
		if c < '0' || c > '9' {
			return fn
		}
	}
	return fn[:i]
}
