package contract

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// notCheckedYet lists the rules the conformance suite does not check yet.
// Their rows in docs/lifecycle.md say "not checked yet". The list may only
// shrink: TestRulesHaveSubtests fails when one of them gains a case.
var notCheckedYet = []string{"T3"}

// suiteWide lists the rules that no single case checks, because passing
// the whole suite on every transport is what they promise. Their rows in
// docs/lifecycle.md say "every transport's run of the whole suite".
var suiteWide = []string{"T4"}

// caseTables names the variables of package conformance that list its
// cases, each an element {"S7_Timeout", testTimeout}.
var caseTables = []string{"cases", "appCases"}

const lifecycle = "docs/lifecycle.md"

var (
	// ruleRe matches a rule's number where it is cited: "S4: ...",
	// "(rule E5)", "rules S1-S12". A case name such as S7_Timeout is not a
	// citation: TestTablesNameTheSuite checks those.
	ruleRe = regexp.MustCompile(`\b[SGETA][0-9]{1,2}\b`)
	// caseRe matches the name of a case of the suite.
	caseRe = regexp.MustCompile(`^([SGETA][0-9]{1,2})_[A-Za-z0-9]+$`)
	// rowRe matches a row of the rules' tables: | S7 | promise | subtests |
	rowRe = regexp.MustCompile(`^\|\s*([SGETA][0-9]{1,2})\s*\|(.*)\|(.*)\|\s*$`)
	// codeRe matches a name in backquotes.
	codeRe = regexp.MustCompile("`([^`]+)`")
)

// rule is a row of the rules' tables of docs/lifecycle.md.
type rule struct {
	line     int      // of the row
	subtests []string // named in backquotes in its third column
	noCase   string   // its third column when it names no subtest
}

// suiteCase is a case of a case table of package conformance.
type suiteCase struct {
	name string
	pos  string // file:line
}

// repoRoot returns the repository's root: the nearest directory above the
// test's that holds go.work. Tests run with GOWORK=off too, so it does not
// ask the go command.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.work above the test's directory: run the test inside the repository")
		dir = parent
	}
}

// readRules reads the rules' tables of docs/lifecycle.md.
func readRules(t *testing.T, root string) map[string]rule {
	t.Helper()
	f, err := os.Open(filepath.Join(root, lifecycle))
	require.NoError(t, err)
	defer f.Close()
	rules := map[string]rule{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		m := rowRe.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if prev, ok := rules[m[1]]; ok {
			t.Errorf("%s:%d: rule %s is defined twice, also on line %d: keep one row", lifecycle, n, m[1], prev.line)
			continue
		}
		r := rule{line: n}
		for _, c := range codeRe.FindAllStringSubmatch(m[3], -1) {
			r.subtests = append(r.subtests, c[1])
		}
		if len(r.subtests) == 0 {
			r.noCase = strings.TrimSpace(m[3])
		}
		rules[m[1]] = r
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, rules, "%s has no rules' tables (rows such as | S7 | promise | `S7_Timeout` |)", lifecycle)
	return rules
}

// readCases parses package conformance and returns the cases of its case
// tables.
func readCases(t *testing.T, root string) []suiteCase {
	t.Helper()
	dir := filepath.Join(root, "conformance")
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	found := map[string]bool{}
	var cases []suiteCase
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		require.NoError(t, err)
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !slices.Contains(caseTables, name.Name) || i >= len(vs.Values) {
						continue
					}
					found[name.Name] = true
					cases = append(cases, tableCases(t, fset, root, name.Name, vs.Values[i])...)
				}
			}
		}
	}
	for _, name := range caseTables {
		require.True(t, found[name], "package conformance has no case table %q: if it was renamed or split, update caseTables in this test", name)
	}
	return cases
}

// tableCases returns the cases of one case table, whose elements are
// composite literals that start with the case's name.
func tableCases(t *testing.T, fset *token.FileSet, root, table string, x ast.Expr) []suiteCase {
	t.Helper()
	lit, ok := x.(*ast.CompositeLit)
	require.True(t, ok, "case table %s is not a composite literal: update this test to read it", table)
	var cases []suiteCase
	for _, elt := range lit.Elts {
		el, ok := elt.(*ast.CompositeLit)
		var name *ast.BasicLit
		if ok && len(el.Elts) > 0 {
			name, _ = el.Elts[0].(*ast.BasicLit)
		}
		require.True(t, name != nil && name.Kind == token.STRING,
			"%s: an element of case table %s does not start with its name as a string literal: update this test to read it", fset.Position(elt.Pos()), table)
		s, err := strconv.Unquote(name.Value)
		require.NoError(t, err)
		pos := fset.Position(name.Pos())
		rel, err := filepath.Rel(root, pos.Filename)
		require.NoError(t, err)
		cases = append(cases, suiteCase{name: s, pos: rel + ":" + strconv.Itoa(pos.Line)})
	}
	return cases
}

// citation is a rule's number cited in a file.
type citation struct {
	rule string
	pos  string // file:line
}

// readCitations returns every rule's number cited in the comments and
// string literals of the repository's Go files, and in its Markdown files
// other than docs/lifecycle.md.
func readCitations(t *testing.T, root string) []citation {
	t.Helper()
	var cites []citation
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(path, ".go"):
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			cites = append(cites, goCitations(rel, src)...)
		case strings.HasSuffix(path, ".md") && rel != filepath.FromSlash(lifecycle):
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(src), "\n") {
				for _, r := range ruleRe.FindAllString(line, -1) {
					cites = append(cites, citation{rule: r, pos: rel + ":" + strconv.Itoa(i+1)})
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	return cites
}

// goCitations returns the rules' numbers cited in the comments and string
// literals of one Go file.
func goCitations(rel string, src []byte) []citation {
	var cites []citation
	fset := token.NewFileSet()
	file := fset.AddFile(rel, -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, nil, scanner.ScanComments)
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return cites
		}
		if tok != token.COMMENT && tok != token.STRING {
			continue
		}
		for _, loc := range ruleRe.FindAllStringIndex(lit, -1) {
			p := fset.Position(pos + token.Pos(loc[0]))
			cites = append(cites, citation{rule: lit[loc[0]:loc[1]], pos: rel + ":" + strconv.Itoa(p.Line)})
		}
	}
}

// TestRulesCitedAreDefined checks that every rule's number that the code
// or the documents cite is a rule of docs/lifecycle.md.
func TestRulesCitedAreDefined(t *testing.T) {
	root := repoRoot(t)
	rules := readRules(t, root)
	cites := readCitations(t, root)
	require.NotEmpty(t, cites, "found no rule cited anywhere: this test no longer reads the repository's files")
	for _, c := range cites {
		if _, ok := rules[c.rule]; !ok {
			t.Errorf("%s cites rule %s, which %s does not define: add a row for it to the rules' tables there, or cite the rule you meant",
				c.pos, c.rule, lifecycle)
		}
	}
}

// TestRulesHaveSubtests checks that every rule of docs/lifecycle.md has a
// case in the conformance suite, but those of notCheckedYet and suiteWide,
// and that those have none.
func TestRulesHaveSubtests(t *testing.T) {
	root := repoRoot(t)
	rules := readRules(t, root)
	byRule := map[string][]string{}
	for _, c := range readCases(t, root) {
		if m := caseRe.FindStringSubmatch(c.name); m != nil {
			byRule[m[1]] = append(byRule[m[1]], c.name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(rules)) {
		r := rules[name]
		cases := byRule[name]
		switch {
		case slices.Contains(notCheckedYet, name):
			if len(cases) > 0 {
				t.Errorf("rule %s has cases now (%s): remove it from notCheckedYet in this test, and list its cases in its row of %s (line %d)",
					name, strings.Join(cases, ", "), lifecycle, r.line)
			} else if r.noCase != "not checked yet" {
				t.Errorf("%s:%d: rule %s has no case in the conformance suite: its row must say \"not checked yet\" in its subtests column",
					lifecycle, r.line, name)
			}
		case slices.Contains(suiteWide, name):
			if len(cases) > 0 {
				t.Errorf("rule %s has cases now (%s): remove it from suiteWide in this test, and list its cases in its row of %s (line %d)",
					name, strings.Join(cases, ", "), lifecycle, r.line)
			}
		case len(cases) == 0:
			t.Errorf("rule %s (%s:%d) has no case in the conformance suite: add one named %s_<What> to the case table of conformance/harness.go or conformance/app.go; "+
				"until then, add %s to notCheckedYet in this test and write \"not checked yet\" in its row",
				name, lifecycle, r.line, name, name)
		}
	}
	for _, name := range slices.Concat(notCheckedYet, suiteWide) {
		if _, ok := rules[name]; !ok {
			t.Errorf("rule %s of notCheckedYet or suiteWide is not defined in %s: remove it from this test's list, or add its row", name, lifecycle)
		}
	}
}

// TestTablesNameTheSuite checks that the subtests column of
// docs/lifecycle.md names exactly the cases of the conformance suite, each
// under the rule its name starts with.
func TestTablesNameTheSuite(t *testing.T) {
	root := repoRoot(t)
	rules := readRules(t, root)
	cases := readCases(t, root)
	require.NotEmpty(t, cases, "found no case in conformance's case tables: this test no longer reads them")
	listed := map[string]string{} // subtest: rule whose row names it
	for name, r := range rules {
		for _, s := range r.subtests {
			listed[s] = name
		}
	}
	inSuite := map[string]bool{}
	for _, c := range cases {
		if inSuite[c.name] {
			t.Errorf("%s: case %s is in the suite twice: give each case its own name", c.pos, c.name)
		}
		inSuite[c.name] = true
		m := caseRe.FindStringSubmatch(c.name)
		if m == nil {
			t.Errorf("%s: case %q is not named after a rule: name it <rule>_<What>, such as S7_Timeout", c.pos, c.name)
			continue
		}
		if _, ok := listed[c.name]; !ok {
			t.Errorf("%s: case %s is not listed in %s: add `%s` to the subtests column of rule %s (add the rule's row if it has none)",
				c.pos, c.name, lifecycle, c.name, m[1])
		}
	}
	for s, name := range listed {
		r := rules[name]
		m := caseRe.FindStringSubmatch(s)
		switch {
		case !inSuite[s]:
			t.Errorf("%s:%d: the row of rule %s names subtest %s, which is not a case of the conformance suite: correct the name, or remove it from the row",
				lifecycle, r.line, name, s)
		case m[1] != name:
			t.Errorf("%s:%d: the row of rule %s names subtest %s, of rule %s: move it to the row of %s",
				lifecycle, r.line, name, s, m[1], m[1])
		}
	}
}
