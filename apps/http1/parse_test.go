package http1

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseFieldsRepeats checks that the values of a field name that comes
// back are gathered under it, in order, whatever the names between, and
// that distinct names stay apart: with 100 names, many share a bit of
// parseFields' filter, and some share its first characters.
func TestParseFieldsRepeats(t *testing.T) {
	var b strings.Builder
	want := http.Header{}
	b.WriteString("GET / HTTP/1.1\r\nHost: a\r\n")
	for round := range 3 {
		for i := range 100 {
			name := fmt.Sprintf("X-Field-%d", i)
			if i%2 == 1 {
				name = fmt.Sprintf("x-field-%d", i) // canonicalized
			}
			if round > 0 && i%3 != 0 {
				continue // only every third name repeats
			}
			v := fmt.Sprintf("v%d.%d", i, round)
			fmt.Fprintf(&b, "%s: %s\r\n", name, v)
			key := http.CanonicalHeaderKey(name)
			want[key] = append(want[key], v)
		}
	}
	b.WriteString("\r\n")
	section := b.String()
	for _, vals := range [][]string{nil, make([]string, 16)} {
		h := head{vals: vals}
		require.NoError(t, parseHead(&h, section))
		require.Equal(t, want, h.header)
	}
}

// TestNextField checks the one-pass parser of the common field line on
// lines it must take, and must leave to the full parser, which finds their
// errors.
func TestNextField(t *testing.T) {
	tests := []struct {
		s           string
		name, value string
		canonical   bool
		n           int // 0: left to the full parser
	}{
		{s: "Host: a\r\n\r\n", name: "Host", value: "a", canonical: true, n: 9},
		{s: "user-agent: x\r\n\r\n", name: "user-agent", value: "x", n: 15},
		{s: "User-agent: x\r\n\r\n", name: "User-agent", value: "x", n: 15},
		{s: "USER-AGENT: x\r\n\r\n", name: "USER-AGENT", value: "x", n: 15},
		{s: "X-1a-B2: x\r\n\r\n", name: "X-1a-B2", value: "x", canonical: true, n: 12},
		{s: "X--Y: x\r\n\r\n", name: "X--Y", value: "x", canonical: true, n: 9},
		{s: "A: \t padded \t \r\n\r\n", name: "A", value: "padded", canonical: true, n: 16},
		{s: "A:tab\tinside\r\n\r\n", name: "A", value: "tab\tinside", canonical: true, n: 14},
		{s: "A:\r\n\r\n", name: "A", value: "", canonical: true, n: 4},
		{s: "A:   \r\n\r\n", name: "A", value: "", canonical: true, n: 7},
		{s: "A: caf\xc3\xa9 \xff\r\n\r\n", name: "A", value: "caf\xc3\xa9 \xff", canonical: true, n: 12},
		{s: "Cookie: a=0123456789abcdef0123456789abcdef; b=1\r\n\r\n", name: "Cookie", value: "a=0123456789abcdef0123456789abcdef; b=1", canonical: true, n: 49},
		{s: "A: 0123456789abcdef\r\n", name: "A", value: "0123456789abcdef", canonical: true, n: 21}, // its CR in the last word
		{s: " A: folded\r\n\r\n"},
		{s: "A : x\r\n\r\n"},
		{s: ": x\r\n\r\n"},
		{s: "A\r\n\r\n"},
		{s: "A(: x\r\n\r\n"},
		{s: "A: x\x7fy\r\n\r\n"},
		{s: "A: 0123456789\x00abcdef\r\n\r\n"},
		{s: "A: x\ry\r\n\r\n"},
		{s: "A: x\r"},
		{s: "A: x"},
	}
	for _, tc := range tests {
		name, value, canonical, n := nextField(tc.s)
		if n != tc.n || n != 0 && (name != tc.name || value != tc.value || canonical != tc.canonical) {
			t.Errorf("nextField(%q) = %q, %q, %v, %d; want %q, %q, %v, %d",
				tc.s, name, value, canonical, n, tc.name, tc.value, tc.canonical, tc.n)
		}
	}
}
