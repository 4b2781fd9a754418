package echo_test

import (
	"errors"
	"flag"
	"io"
	"testing"

	"github.com/ace-go/ace/apps/echo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want echo.Mode
		ok   bool
	}{
		{"line", echo.Line, true},
		{"raw", echo.Raw, true},
		{"", 0, false},
		{"Line", 0, false},
		{" raw", 0, false},
		{"binary", 0, false},
	} {
		got, err := echo.ParseMode(tc.in)
		if tc.ok {
			if err != nil || got != tc.want {
				t.Errorf("ParseMode(%q) = %v, %v; want %v, nil", tc.in, got, err, tc.want)
			}
			continue
		}
		if !errors.Is(err, echo.ErrUnknownMode) {
			t.Errorf("ParseMode(%q) error = %v, want one wrapping ErrUnknownMode", tc.in, err)
		}
	}
}

func TestModeString(t *testing.T) {
	for m, want := range map[echo.Mode]string{
		echo.Line: "line", echo.Raw: "raw", 7: "Mode(7)", -1: "Mode(-1)",
	} {
		if got := m.String(); got != want {
			t.Errorf("Mode(%d).String() = %q, want %q", int(m), got, want)
		}
	}
}

func TestModeFlag(t *testing.T) {
	fs := flag.NewFlagSet("echo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var m echo.Mode
	fs.TextVar(&m, "mode", echo.Line, "line or raw")
	require.NoError(t, fs.Parse([]string{"-mode", "raw"}))
	assert.Equal(t, echo.Raw, m, "-mode raw")
	assert.Error(t, fs.Parse([]string{"-mode", "bogus"}), "-mode bogus accepted")
	_, err := echo.Mode(9).MarshalText()
	assert.ErrorIs(t, err, echo.ErrUnknownMode, "MarshalText of Mode(9)")
}

func TestNewPanicsOnUnknownMode(t *testing.T) {
	assert.Panics(t, func() { echo.New(echo.Config{Mode: 9}) }, "New with Mode(9)")
}

func FuzzParseMode(f *testing.F) {
	for _, s := range []string{"line", "raw", "", "LINE", "raw\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := echo.ParseMode(s)
		if err != nil {
			if !errors.Is(err, echo.ErrUnknownMode) {
				t.Fatalf("ParseMode(%q): %v does not wrap ErrUnknownMode", s, err)
			}
			return
		}
		if m.String() != s {
			t.Fatalf("ParseMode(%q) = %v, which does not print as its name", s, m)
		}
		text, err := m.MarshalText()
		if err != nil || string(text) != s {
			t.Fatalf("MarshalText of %v = %q, %v", m, text, err)
		}
	})
}
