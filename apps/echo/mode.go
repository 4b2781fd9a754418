package echo

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrUnknownMode is returned, wrapped, by ParseMode for a name that is not a
// Mode.
var ErrUnknownMode = errors.New("echo: unknown mode")

// Mode selects the protocol an [App] speaks.
type Mode int

const (
	// Line is the line protocol of Elixir Ace's README: greeting, ECHO
	// replies, /broadcast and /quit. It is the zero Mode.
	Line Mode = iota
	// Raw is RFC 862: every byte back unchanged.
	Raw
)

// String returns "line" or "raw", and "Mode(n)" for anything else.
func (m Mode) String() string {
	switch m {
	case Line:
		return "line"
	case Raw:
		return "raw"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// ParseMode returns the Mode named s: "line" or "raw". Any other name is an
// error wrapping [ErrUnknownMode].
func ParseMode(s string) (Mode, error) {
	switch s {
	case "line":
		return Line, nil
	case "raw":
		return Raw, nil
	}
	return 0, fmt.Errorf("%w %q (want line or raw)", ErrUnknownMode, s)
}

// MarshalText implements encoding.TextMarshaler, so that a Mode can be used
// with flag.TextVar and in configuration files. It fails for a Mode that is
// neither Line nor Raw.
func (m Mode) MarshalText() ([]byte, error) {
	if m != Line && m != Raw {
		return nil, fmt.Errorf("%w: %v", ErrUnknownMode, m)
	}
	return []byte(m.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseMode.
func (m *Mode) UnmarshalText(text []byte) error {
	v, err := ParseMode(string(text))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
