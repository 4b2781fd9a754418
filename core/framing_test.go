package core_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ace-go/ace/core"
)

// frames runs f over input as a server would, feeding it one chunk at a time,
// and returns the frames and the error it stopped at.
func frames(f core.Framer, chunks ...string) ([]string, error) {
	var buf []byte
	var out []string
	for i, c := range chunks {
		buf = append(buf, c...)
		atEOF := i == len(chunks)-1
		for {
			frame, adv, err := f.Frame(buf, atEOF)
			if err != nil {
				return out, err
			}
			if adv == 0 {
				break
			}
			if frame != nil {
				out = append(out, string(frame))
			}
			buf = buf[adv:]
		}
	}
	return out, nil
}

func TestLines(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		chunks []string
		want   []string
		err    error
	}{
		{"lf", 0, []string{"a\nb\n"}, []string{"a", "b"}, nil},
		{"crlf", 0, []string{"a\r\nb\r\n"}, []string{"a", "b"}, nil},
		{"split across reads", 0, []string{"he", "llo\r", "\nx\n"}, []string{"hello", "x"}, nil},
		{"empty lines", 0, []string{"\n\r\n"}, []string{"", ""}, nil},
		{"last line at EOF", 0, []string{"a\nlast"}, []string{"a", "last"}, nil},
		{"last line with CR at EOF", 0, []string{"last\r"}, []string{"last"}, nil},
		{"exactly max", 3, []string{"abc\n"}, []string{"abc"}, nil},
		{"exactly max crlf", 3, []string{"abc\r\n"}, []string{"abc"}, nil},
		{"exactly max split before lf", 3, []string{"abc\r", "\n"}, []string{"abc"}, nil},
		{"over max with lf", 3, []string{"abcd\n"}, nil, core.ErrLineTooLong},
		{"over max no lf", 3, []string{"abcd"}, nil, core.ErrLineTooLong},
		{"over max after good line", 3, []string{"ok\nabcdef"}, []string{"ok"}, core.ErrLineTooLong},
		{"bare CR is data", 5, []string{"a\rb\n"}, []string{"a\rb"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := frames(core.Lines(tt.max), tt.chunks...)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("frames = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("frames = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestLengthPrefixed(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		max    int
		chunks []string
		want   []string
		err    error
	}{
		{"1 byte", 1, 0, []string{"\x03abc\x00\x01z"}, []string{"abc", "", "z"}, nil},
		{"2 bytes split", 2, 0, []string{"\x00", "\x05hel", "lo"}, []string{"hello"}, nil},
		{"4 bytes", 4, 0, []string{"\x00\x00\x00\x02hi"}, []string{"hi"}, nil},
		{"incomplete at EOF", 2, 0, []string{"\x00\x05hel"}, nil, nil},
		{"over max", 2, 4, []string{"\x00\x05hello"}, nil, core.ErrFrameTooLarge},
		{"huge 4 byte header", 4, 1 << 20, []string{"\xff\xff\xff\xff"}, nil, core.ErrFrameTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := frames(core.LengthPrefixed(tt.size, tt.max), tt.chunks...)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("frames = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("frames = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestLengthPrefixedBadSize(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("LengthPrefixed(3, 0) did not panic")
		}
	}()
	core.LengthPrefixed(3, 0)
}

func TestRaw(t *testing.T) {
	got, err := frames(core.Raw(), "ab", "c")
	if err != nil || len(got) != 2 || got[0] != "ab" || got[1] != "c" {
		t.Fatalf("frames = %q, %v", got, err)
	}
}

// FuzzLines checks the line framer's invariants on any input: no panic,
// progress within the input, frames within the limit and free of LF, and the
// frames plus terminators rebuild the input they consumed.
func FuzzLines(f *testing.F) {
	f.Add([]byte("hello\r\nworld\n"), 8, true)
	f.Add([]byte("a\rb\n\n\r\n"), 1, false)
	f.Add([]byte("toolongline"), 4, false)
	f.Fuzz(func(t *testing.T, data []byte, max int, atEOF bool) {
		if max <= 0 || max > 1<<16 {
			max = 16
		}
		fr := core.Lines(max)
		rest := data
		for len(rest) > 0 {
			frame, adv, err := fr.Frame(rest, atEOF)
			if err != nil {
				if !errors.Is(err, core.ErrLineTooLong) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if adv == 0 {
				if atEOF {
					t.Fatalf("no progress at EOF on %q", rest)
				}
				if len(rest) > max+1 {
					t.Fatalf("asks for more with %d bytes buffered, max %d", len(rest), max)
				}
				return
			}
			if adv < 0 || adv > len(rest) {
				t.Fatalf("advance %d out of range %d", adv, len(rest))
			}
			if len(frame) > max || bytes.IndexByte(frame, '\n') >= 0 {
				t.Fatalf("bad frame %q (max %d)", frame, max)
			}
			if !bytes.HasPrefix(rest, frame) {
				t.Fatalf("frame %q is not a prefix of %q", frame, rest)
			}
			term := rest[len(frame):adv]
			switch string(term) {
			case "\n", "\r\n":
			case "", "\r":
				if !atEOF || adv != len(rest) {
					t.Fatalf("unterminated frame %q before EOF", frame)
				}
			default:
				t.Fatalf("terminator %q", term)
			}
			rest = rest[adv:]
		}
	})
}

// FuzzLengthPrefixed checks the length-prefixed framer: no panic, frames
// exactly as announced, never over the limit.
func FuzzLengthPrefixed(f *testing.F) {
	f.Add([]byte("\x00\x03abc\x00\x00"), uint8(2), 10)
	f.Add([]byte("\xff\xff\xff\xff"), uint8(4), 100)
	f.Add([]byte("\x05ab"), uint8(1), 0)
	f.Fuzz(func(t *testing.T, data []byte, size uint8, max int) {
		sizes := [...]int{1, 2, 4}
		hs := sizes[int(size)%3]
		fr := core.LengthPrefixed(hs, max)
		rest := data
		for len(rest) > 0 {
			frame, adv, err := fr.Frame(rest, false)
			if err != nil {
				if !errors.Is(err, core.ErrFrameTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if adv == 0 {
				return
			}
			if adv != hs+len(frame) || adv > len(rest) {
				t.Fatalf("advance %d for a %d-byte frame, header %d, input %d", adv, len(frame), hs, len(rest))
			}
			if max > 0 && len(frame) > max {
				t.Fatalf("frame of %d bytes over max %d", len(frame), max)
			}
			if !bytes.Equal(frame, rest[hs:adv]) {
				t.Fatalf("frame %q is not the payload", frame)
			}
			rest = rest[adv:]
		}
	})
}
