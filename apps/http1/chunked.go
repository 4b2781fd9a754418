package http1

import (
	"bytes"
	"io"
	"net/http"

	"golang.org/x/net/http/httpguts"
)

// source is where a body reader gets its bytes: first the input the
// connection has received but not consumed, then the connection itself.
type source interface {
	// buffered returns the input received but not consumed yet.
	buffered() []byte
	// consume drops n bytes from the front of buffered.
	consume(n int)
	// fill receives more input and appends it to buffered. It fails with
	// io.EOF when the peer has closed its side.
	fill() error
	// readDirect reads into p, bypassing buffered, which must be empty, so
	// that body bytes are copied once, straight into the handler's slice.
	readDirect(p []byte) (int, error)
}

// Bounds of the chunked decoder.
const (
	// maxChunkLine bounds a chunk-size line with its extensions.
	maxChunkLine = 4 << 10
	// maxChunkOverhead bounds how far the framing (sizes, extensions,
	// CRLFs) may outgrow the data it frames: every chunk earns an
	// allowance of 16 bytes plus twice its size, so ordinary clients never
	// come near it, while a peer sending endless extensions or one-byte
	// chunks to make the server work for nothing is cut off.
	maxChunkOverhead = 16 << 10
)

type chunkState uint8

const (
	chunkSize    chunkState = iota // expecting a chunk-size line
	chunkData                      // in chunk data
	chunkDataEnd                   // expecting the CRLF that ends chunk data
	chunkTrailer                   // in the trailer section
	chunkDone                      // the last chunk and trailers were read
)

// chunkedReader decodes the chunked transfer coding (RFC 9112, section 7.1)
// from a source. It is strict: every line ends in CRLF, chunk sizes are hex
// digits that fit in 63 bits, extensions follow the grammar, and trailer
// fields obey the rules of header fields.
type chunkedReader struct {
	src        source
	state      chunkState
	left       uint64 // data bytes left in the current chunk
	excess     int64  // framing bytes beyond the allowance
	maxTrailer int    // bound of the trailer section
	trailerLen int
	trailer    http.Header // trailer fields received, nil if none
	err        error       // sticky
}

// Read implements io.Reader. It returns io.EOF after the last chunk and the
// trailer section, and a *statusError for malformed framing.
func (r *chunkedReader) Read(p []byte) (int, error) {
	for r.err == nil {
		switch r.state {
		case chunkDone:
			return 0, io.EOF
		case chunkData:
			if len(p) == 0 {
				return 0, nil
			}
			n, err := r.readData(p)
			if err != nil {
				r.err = err
			}
			return n, err
		}
		n, more, err := r.advance(r.src.buffered())
		r.src.consume(n)
		switch {
		case err != nil:
			r.err = err
		case more:
			if err := r.src.fill(); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				r.err = err
			}
		}
	}
	return 0, r.err
}

// readData copies chunk data to p, from the buffered input if there is
// some, and straight from the connection otherwise.
func (r *chunkedReader) readData(p []byte) (n int, err error) {
	if uint64(len(p)) > r.left {
		p = p[:r.left]
	}
	if in := r.src.buffered(); len(in) > 0 {
		n = copy(p, in)
		r.src.consume(n)
	} else {
		n, err = r.src.readDirect(p)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
	}
	r.left -= uint64(n)
	if r.left == 0 {
		r.state = chunkDataEnd
	}
	return n, err
}

// advance parses the framing at the start of in, through as many lines as
// in holds, and stops at chunk data or at the end of the body. It returns
// how many bytes it consumed, and more == true when it needs more input to
// go on.
func (r *chunkedReader) advance(in []byte) (consumed int, more bool, err error) {
	for {
		rest := in[consumed:]
		switch r.state {
		case chunkData, chunkDone:
			return consumed, false, nil
		case chunkDataEnd:
			if len(rest) < 2 {
				if len(rest) == 1 && rest[0] != '\r' {
					return consumed, false, errChunkCRLF
				}
				return consumed, true, nil
			}
			if rest[0] != '\r' || rest[1] != '\n' {
				return consumed, false, errChunkCRLF
			}
			consumed += 2
			r.state = chunkSize
			continue
		}
		// A line over its limit is an error whether or not its end has
		// arrived, so that the outcome does not depend on how the input
		// was split; only then is its ending checked.
		limit, tooLong := maxChunkLine, errChunkLine
		if r.state == chunkTrailer {
			limit, tooLong = r.maxTrailer-r.trailerLen, errTrailerTooLarge
		}
		lf := bytes.IndexByte(rest, '\n')
		switch {
		case lf < 0 && len(rest) > limit, lf >= limit:
			return consumed, false, tooLong
		case lf < 0:
			return consumed, true, nil
		case lf == 0 || rest[lf-1] != '\r':
			return consumed, false, errBareLF
		}
		line, n := rest[:lf-1], lf+1
		if r.state == chunkSize {
			size, err := parseChunkLine(line)
			if err != nil {
				return consumed, false, err
			}
			r.excess += int64(n) - 16
			if size < maxChunkOverhead {
				r.excess -= 2 * int64(size)
			} else {
				r.excess -= 2 * maxChunkOverhead
			}
			r.excess = max(r.excess, 0)
			if r.excess > maxChunkOverhead {
				return consumed, false, errChunkOverhead
			}
			consumed += n
			if size == 0 {
				r.state = chunkTrailer
			} else {
				r.state, r.left = chunkData, size
			}
			continue
		}
		// chunkTrailer
		r.trailerLen += n
		consumed += n
		if len(line) == 0 {
			r.state = chunkDone
			continue
		}
		if err := r.addTrailer(line); err != nil {
			return consumed, false, err
		}
	}
}

// addTrailer parses a trailer field line and keeps it, unless it is a
// field that must not be sent as a trailer (RFC 9110, section 6.5.1), which
// is dropped.
func (r *chunkedReader) addTrailer(line []byte) error {
	name, value, err := parseField(string(line))
	if err != nil {
		return errTrailer
	}
	if !httpguts.ValidTrailerHeader(name) {
		return nil
	}
	if r.trailer == nil {
		r.trailer = make(http.Header)
	}
	key := canonicalKey(name)
	r.trailer[key] = append(r.trailer[key], value)
	return nil
}

// parseChunkLine parses chunk-size [ chunk-ext ] and returns the size. The
// extensions are checked and ignored.
func parseChunkLine(line []byte) (uint64, error) {
	var size uint64
	i := 0
	for ; i < len(line) && isHex(line[i]); i++ {
		if size > (1<<63-1)>>4 {
			return 0, errChunkOverflow
		}
		size = size<<4 | uint64(unhex(line[i]))
	}
	if i == 0 {
		return 0, errChunkSize
	}
	if !validChunkExt(line[i:]) {
		return 0, errChunkExt
	}
	return size, nil
}

// validChunkExt reports whether ext is a valid chunk-ext:
//
//	chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//	chunk-ext-name = token
//	chunk-ext-val  = token / quoted-string
func validChunkExt(ext []byte) bool {
	i := 0
	for i < len(ext) {
		i = skipOWS(ext, i)
		if i == len(ext) || ext[i] != ';' {
			return false
		}
		i = skipOWS(ext, i+1)
		j := skipToken(ext, i)
		if j == i {
			return false
		}
		i = j
		if k := skipOWS(ext, i); k < len(ext) && ext[k] == '=' {
			i = skipOWS(ext, k+1)
			if i < len(ext) && ext[i] == '"' {
				j = skipQuoted(ext, i)
			} else {
				j = skipToken(ext, i)
			}
			if j == i {
				return false
			}
			i = j
		}
	}
	return true
}

func skipOWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

func skipToken(b []byte, i int) int {
	for i < len(b) && httpguts.IsTokenRune(rune(b[i])) {
		i++
	}
	return i
}

// skipQuoted returns the index after the quoted-string at b[i], or i if
// there is none.
//
//	quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//	qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
//	quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
func skipQuoted(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1
		case c == '\\':
			j++
			if j == len(b) || !quotable(b[j]) {
				return i
			}
		case !quotable(c):
			return i
		}
	}
	return i
}

// quotable reports whether c may appear in a quoted string, escaped or not.
func quotable(c byte) bool { return c == '\t' || c == ' ' || (c > ' ' && c != 0x7f) }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
