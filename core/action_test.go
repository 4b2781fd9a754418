package core_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
)

func TestActionManySlices(t *testing.T) {
	parts := [][]byte{[]byte("a"), nil, []byte("b"), []byte("c"), []byte("d"), []byte("e"), {}, []byte("f")}
	a := core.Send(parts...)
	if got := bytes.Join(a.AppendTo(nil), nil); string(got) != "abcdef" {
		t.Fatalf("sends %q", got)
	}
	if a.Len() != 6 || a.Closes() || a.Timeout() != 0 {
		t.Fatalf("Len %d Closes %v Timeout %v", a.Len(), a.Closes(), a.Timeout())
	}
	if a := core.Continue().WithTimeout(time.Second); a.Timeout() != time.Second || a.Len() != 0 {
		t.Fatal("WithTimeout")
	}
	if a := core.Send([]byte("x")).WithTimeout(time.Second).KeepTimeout(); !a.KeepsTimeout() || a.Timeout() != 0 || a.Len() != 1 {
		t.Fatal("KeepTimeout")
	}
	if a := core.Continue().KeepTimeout().WithTimeout(time.Second); a.KeepsTimeout() || a.Timeout() != time.Second {
		t.Fatal("WithTimeout after KeepTimeout")
	}
	if a := core.Close().WithTimeout(-1); !a.Closes() || a.Timeout() != -1 {
		t.Fatal("Close")
	}
}

func TestActionNoAllocs(t *testing.T) {
	prefix, nl := []byte("ECHO: "), []byte("\n")
	data := []byte("payload")
	var sink int
	allocs := testing.AllocsPerRun(1000, func() {
		a := core.Send(prefix, data, nl).WithTimeout(time.Second)
		sink += a.Len()
	})
	if allocs != 0 {
		t.Fatalf("Send with 3 slices allocates %v times", allocs)
	}
	_ = sink
}
