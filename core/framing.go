package core

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Framer cuts the byte stream of a connection into the frames that Packet
// receives, because stream transports such as TCP keep no packet boundaries.
//
// A Framer is shared by every connection of an endpoint and must hold no
// per-connection state.
type Framer interface {
	// Frame looks at buffered, unconsumed input and returns the next
	// frame, and how many bytes of buf it consumed. advance == 0 asks for
	// more input; the server then reads more, growing its buffer when it
	// is full, so a Framer must return an error once buf is longer than
	// any frame it accepts. atEOF reports that the peer will send nothing
	// more. frame may alias buf.
	Frame(buf []byte, atEOF bool) (frame []byte, advance int, err error)
}

// Raw returns the framer that passes every read through as one frame: the
// default, for byte-oriented protocols.
func Raw() Framer { return rawFramer{} }

type rawFramer struct{}

func (rawFramer) Frame(buf []byte, _ bool) ([]byte, int, error) {
	return buf, len(buf), nil
}

// DefaultMaxLine is the line framer's maximum line length when Lines is
// given 0.
const DefaultMaxLine = 4096

// Lines returns a framer that delivers one line per frame, without its LF or
// CRLF terminator. A line longer than max bytes (DefaultMaxLine when max <= 0)
// is an error wrapping [ErrLineTooLong]. A last line without a terminator is
// delivered when the peer closes its side.
func Lines(max int) Framer {
	if max <= 0 {
		max = DefaultMaxLine
	}
	return lineFramer{max: max}
}

type lineFramer struct{ max int }

func (f lineFramer) Frame(buf []byte, atEOF bool) ([]byte, int, error) {
	limit := len(buf)
	// A terminator may follow max bytes of line (and a CR).
	if limit > f.max+2 {
		limit = f.max + 2
	}
	if i := bytes.IndexByte(buf[:limit], '\n'); i >= 0 {
		line := buf[:i]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) > f.max {
			return nil, 0, fmt.Errorf("%w: over %d bytes", ErrLineTooLong, f.max)
		}
		return line, i + 1, nil
	}
	if len(buf) > f.max+1 || (len(buf) == f.max+1 && buf[f.max] != '\r') {
		return nil, 0, fmt.Errorf("%w: over %d bytes", ErrLineTooLong, f.max)
	}
	if atEOF && len(buf) > 0 {
		line := buf
		if line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		return line, len(buf), nil
	}
	return nil, 0, nil
}

// LengthPrefixed returns a framer for frames that start with a big-endian
// length header of size bytes (1, 2 or 4) giving the length of the payload
// that follows. Frames carry the payload only. A header announcing more than
// max bytes (no limit beyond the header's range when max <= 0) is an error
// wrapping [ErrFrameTooLarge]. LengthPrefixed panics if size is not 1, 2 or 4.
func LengthPrefixed(size, max int) Framer {
	switch size {
	case 1, 2, 4:
	default:
		panic(fmt.Sprintf("ace: LengthPrefixed header size %d, want 1, 2 or 4", size))
	}
	if max <= 0 || max > 1<<(8*size)-1 {
		max = 1<<(8*size) - 1
	}
	return prefixFramer{size: size, max: max}
}

type prefixFramer struct{ size, max int }

func (f prefixFramer) Frame(buf []byte, atEOF bool) ([]byte, int, error) {
	if len(buf) < f.size {
		return nil, 0, nil
	}
	var n int
	switch f.size {
	case 1:
		n = int(buf[0])
	case 2:
		n = int(binary.BigEndian.Uint16(buf))
	default:
		n = int(binary.BigEndian.Uint32(buf))
	}
	if n < 0 || n > f.max {
		return nil, 0, fmt.Errorf("%w: header says %d bytes, limit %d", ErrFrameTooLarge, n, f.max)
	}
	end := f.size + n
	if len(buf) < end {
		return nil, 0, nil
	}
	return buf[f.size:end:end], end, nil
}
