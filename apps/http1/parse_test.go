package http1

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
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
		if err := parseHead(&h, section); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(h.header, want) {
			for k, v := range h.header {
				if !reflect.DeepEqual(v, want[k]) {
					t.Errorf("%s: %q, want %q", k, v, want[k])
				}
			}
			t.Fatalf("%d keys, want %d", len(h.header), len(want))
		}
	}
}
