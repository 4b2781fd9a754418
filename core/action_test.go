package core_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
)

func TestActionManySlices(t *testing.T) {
	parts := [][]byte{[]byte("a"), nil, []byte("b"), []byte("c"), []byte("d"), []byte("e"), {}, []byte("f")}
	a := core.Send(parts...)
	require.Equal(t, "abcdef", string(bytes.Join(a.AppendTo(nil), nil)))
	require.Equal(t, 6, a.Len())
	require.False(t, a.Closes())
	require.Zero(t, a.Timeout())

	a = core.Continue().WithTimeout(time.Second)
	require.Equal(t, time.Second, a.Timeout(), "WithTimeout")
	require.Zero(t, a.Len(), "WithTimeout")

	a = core.Send([]byte("x")).WithTimeout(time.Second).KeepTimeout()
	require.True(t, a.KeepsTimeout(), "KeepTimeout")
	require.Zero(t, a.Timeout(), "KeepTimeout")
	require.Equal(t, 1, a.Len(), "KeepTimeout")

	a = core.Continue().KeepTimeout().WithTimeout(time.Second)
	require.False(t, a.KeepsTimeout(), "WithTimeout after KeepTimeout")
	require.Equal(t, time.Second, a.Timeout(), "WithTimeout after KeepTimeout")

	a = core.Close().WithTimeout(-1)
	require.True(t, a.Closes(), "Close")
	require.Equal(t, time.Duration(-1), a.Timeout(), "Close")
}

func TestActionNoAllocs(t *testing.T) {
	prefix, nl := []byte("ECHO: "), []byte("\n")
	data := []byte("payload")
	var sink int
	allocs := testing.AllocsPerRun(1000, func() {
		a := core.Send(prefix, data, nl).WithTimeout(time.Second)
		sink += a.Len()
	})
	require.Zero(t, allocs, "allocations of Send with 3 slices")
	_ = sink
}
