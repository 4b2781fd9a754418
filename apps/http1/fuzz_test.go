package http1

import (
	"bufio"
	"bytes"
	"golang.org/x/net/http/httpguts"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// Limits the fuzz targets parse with: small, so that the fuzzer reaches them.
const (
	fuzzMaxLine = 256
	fuzzMaxHead = 1024
)

// FuzzRequest fuzzes the request parser: the header scanner fed a byte at a
// time must agree with the scanner fed everything at once, and a request
// the parser accepts must be one net/http accepts too, parsed the same way
// (this parser is stricter, never looser), with an origin-form URL equal to
// what url.ParseRequestURI makes of it.
func FuzzRequest(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: T\r\n\r\n",
		"GET http://h:1/p HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n",
		"CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n",
		"OPTIONS * HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n\r\n",
		"\r\nGET /%41b/c;d=e HTTP/1.1\r\nhost: a\r\nx-a: 1\r\nX-A: 2\r\n\r\n",
		// Around the one-pass parsers' edges.
		"GET /p? HTTP/1.1\r\nHost: a\r\nX: \t v \t\r\n\r\n",
		"GET /a?b=%41&c=%zz HTTP/1.1\r\nHost: a\r\nX:\x7f\r\n\r\n",
		"GET /a?b?c HTTP/1.0\r\nHost: a\r\nX : y\r\n\r\n",
		"GET /a(b)?q=\x80 HTTP/1.1\r\nHost: a\r\nX-\x80: y\r\n\r\n",
		"CONNECT /x HTTP/1.1\r\nHost: a\r\n:x\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		data = data[skipEmptyLines(data):]
		var whole headScanner
		n, err := whole.scan(data, fuzzMaxLine, fuzzMaxHead)
		if n < 0 || n > len(data) {
			t.Fatalf("scan returned %d for %d bytes", n, len(data))
		}
		var inc headScanner
		var m int
		var ierr error
		for k := 1; k <= len(data); k++ {
			if m, ierr = inc.scan(data[:k], fuzzMaxLine, fuzzMaxHead); m > 0 || ierr != nil {
				break
			}
		}
		if m != n || ierr != err {
			t.Fatalf("scanned whole: %d, %v; a byte at a time: %d, %v", n, err, m, ierr)
		}
		if n > 0 {
			if want := bytes.Count(data[:n], []byte{'\n'}) - 2; whole.fields != want || inc.fields != want {
				t.Fatalf("scan counted %d field lines whole, %d a byte at a time; want %d", whole.fields, inc.fields, want)
			}
		}
		if n == 0 {
			return
		}
		checkFastPaths(t, string(data[:n]))
		var h head
		err = parseHead(&h, string(data[:n]))
		checkReused(t, &h, err, data[:n])
		if err != nil {
			if StatusOf(err) == 0 {
				t.Fatalf("error without a status: %v", err)
			}
			return
		}
		checkAgainstNetHTTP(t, &h, data[:n])
	})
}

// checkFastPaths checks that the one-pass parsers of the common request
// line and field line, where they take a line, parse it as the full
// parsers do.
func checkFastPaths(t *testing.T, section string) {
	lines := strings.Split(section, "\r\n")
	var fast, slow head
	if fast.parsePlainRequestLine(lines[0]) {
		if err := slow.parseRequestLineSlowly(lines[0]); err != nil {
			t.Fatalf("%q: taken by the fast path, rejected by the full one: %v", lines[0], err)
		}
		got := []any{fast.method, fast.target, fast.proto, fast.minor, *fast.url}
		want := []any{slow.method, slow.target, slow.proto, slow.minor, *slow.url}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: fast path %#v, full %#v", lines[0], got, want)
		}
	}
	for _, line := range lines[1:] {
		if line == "" {
			continue
		}
		name, value, err := parseField(line)
		sname, svalue, serr := parseFieldSlowly(line)
		if name != sname || value != svalue || err != serr {
			t.Fatalf("%q: parseField %q %q %v, parseFieldSlowly %q %q %v", line, name, value, err, sname, svalue, serr)
		}
		checkNextField(t, line, sname, svalue, serr)
	}
}

// checkNextField checks that nextField, given a field line with its CRLF
// and what follows it, takes the line only if the full parser accepts it,
// and then parses it as the full parser did (name, value and err), and
// tells canonical names as canonicalKey does.
func checkNextField(t *testing.T, line, name, value string, err error) {
	t.Helper()
	for _, rest := range []string{"", "\r\n", "X-Next: 1\r\n\r\n"} {
		s := line + "\r\n" + rest
		fname, fvalue, canonical, n := nextField(s)
		if n == 0 {
			continue
		}
		if err != nil {
			t.Fatalf("%q: taken by nextField (%q %q), rejected by the full parser: %v", s, fname, fvalue, err)
		}
		if fname != name || fvalue != value || n != len(line)+2 {
			t.Fatalf("%q: nextField %q %q %d, full parser %q %q %d", s, fname, fvalue, n, name, value, len(line)+2)
		}
		if want := canonicalKey(name) == name; canonical != want {
			t.Fatalf("%q: nextField says canonical %v, canonicalKey %v", s, canonical, want)
		}
	}
}

// checkReused checks that a header section parses the same, to want or
// wantErr, into the storage of a reusable request (ReuseRequests) as into
// a new head: a header map that served an earlier request, and room for
// as many values as serveRequest counts lines.
func checkReused(t *testing.T, want *head, wantErr error, section []byte) {
	r, vals := reuseRequest(nil, nil, bytes.Count(section, []byte{'\n'})-2)
	defer r.x.release()
	r.header["X-Earlier"] = []string{"1"}
	clear(r.header)
	h := head{u: &r.u, header: r.header, vals: vals}
	err := parseHead(&h, string(section))
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("%q: parsed into a reused request: %v; into a new one: %v", section, err, wantErr)
	}
	if err != nil {
		return
	}
	got := []any{h.method, h.target, h.proto, h.minor, h.host, h.header, h.length, h.chunked, h.close, h.keepAlive, h.expect100, h.url, h.trailer}
	exp := []any{want.method, want.target, want.proto, want.minor, want.host, want.header, want.length, want.chunked, want.close, want.keepAlive, want.expect100, want.url, want.trailer}
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("%q: parsed into a reused request\n%q\ninto a new one\n%q", section, got, exp)
	}
}

// checkAgainstNetHTTP checks that net/http parses an accepted header section
// as this package does.
func checkAgainstNetHTTP(t *testing.T, h *head, section []byte) {
	if h.target[0] == '/' {
		u, err := url.ParseRequestURI(h.target)
		if err != nil || !reflect.DeepEqual(u, h.url) {
			t.Fatalf("origin form %q: parsed %#v, url package %#v, %v", h.target, h.url, u, err)
		}
	}
	// Where this parser is knowingly more liberal than net/http's,
	// accepting what RFC 9110 allows, skip the comparison.
	cl := h.header["Content-Length"]
	if len(cl) > 0 && strings.Contains(strings.Join(cl, ""), ",") {
		return // a list of equal lengths
	}
	if te := transferEncoding(section); te != nil && (len(te) != 1 || !strings.EqualFold(te[0], "chunked")) {
		return // chunked with parameters or empty list elements
	}
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(section)))
	if err != nil {
		t.Fatalf("accepted %q, which net/http rejects: %v", section, err)
	}
	if pragma := r.Header["Pragma"]; pragma != nil && h.header["Cache-Control"] == nil {
		delete(r.Header, "Cache-Control") // net/http adds it for HTTP/1.0 caches
	}
	length := h.length
	if h.chunked {
		length = -1
	}
	got := []any{h.method, h.target, h.proto, int(h.minor), h.host, h.header, length, h.close, h.url.String()}
	want := []any{r.Method, r.RequestURI, r.Proto, r.ProtoMinor, r.Host, r.Header, r.ContentLength, r.Close, r.URL.String()}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("request %q\nparsed   %q\nnet/http %q", section, got, want)
	}
}

// transferEncoding returns the values of the Transfer-Encoding fields of a
// header section.
func transferEncoding(section []byte) (te []string) {
	for _, line := range strings.Split(string(section), "\r\n")[1:] {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "Transfer-Encoding") {
			te = append(te, trimOWS(value))
		}
	}
	return te
}

// pieceSource is a source that receives its input a few bytes at a time.
type pieceSource struct {
	data  []byte // not yet received
	piece int
	buf   []byte // received, not consumed
}

func (s *pieceSource) buffered() []byte { return s.buf }
func (s *pieceSource) consume(n int)    { s.buf = s.buf[n:] }

func (s *pieceSource) fill() error {
	if len(s.data) == 0 {
		return io.EOF
	}
	n := min(s.piece, len(s.data))
	s.buf = append(s.buf, s.data[:n]...)
	s.data = s.data[n:]
	return nil
}

func (s *pieceSource) readDirect(p []byte) (int, error) {
	if len(s.buf) > 0 {
		panic("readDirect with input buffered")
	}
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), s.piece)], s.data)
	s.data = s.data[n:]
	return n, nil
}

// decoded is what decodeChunked makes of its input.
type decoded struct {
	body    []byte
	err     error // what ended the body: io.EOF if it was well formed
	trailer http.Header
	rest    []byte // the input after the body
}

// decodeChunked decodes data received piece bytes at a time, read into
// buffers of size rbuf.
func decodeChunked(data []byte, piece, rbuf int) decoded {
	src := &pieceSource{data: data, piece: piece}
	r := &chunkedReader{src: src, maxTrailer: fuzzMaxHead}
	p := make([]byte, rbuf)
	var d decoded
	for {
		n, err := r.Read(p)
		d.body = append(d.body, p[:n]...)
		if err != nil {
			d.err, d.trailer, d.rest = err, r.trailer, append(src.buf, src.data...)
			return d
		}
		if n == 0 {
			panic("Read returned 0, nil")
		}
	}
}

// bwsBeforeExt matches whitespace between a chunk size and its extensions,
// which RFC 9112 allows (BWS) and net/http's decoder rejects.
var bwsBeforeExt = regexp.MustCompile(`[0-9a-fA-F][ \t]+;`)

// FuzzChunked fuzzes the chunked decoder: the input received at once or in
// pieces, read into large or small buffers, must decode the same, and a body
// the decoder accepts must be one net/http's decoder accepts, with the same
// data.
func FuzzChunked(f *testing.F) {
	for _, s := range []string{
		"5\r\nhello\r\n0\r\n\r\n",
		"5;a=b;c=\"d\\\"e\"\r\nhello\r\n6\r\n world\r\n0\r\nT: v\r\nU: w\r\n\r\nGET",
		"A\r\n0123456789\r\n0000\r\n\r\n",
		"ffffffffffffffff\r\n",
		"5\nhello\r\n0\r\n\r\n",
		"3\r\nabcX\r\n",
	} {
		f.Add([]byte(s), uint8(3), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, piece, rbuf uint8) {
		whole := decodeChunked(data, len(data)+1, 4096)
		pieces := decodeChunked(data, int(piece%16)+1, int(rbuf%16)+1)
		if !bytes.Equal(whole.body, pieces.body) || whole.err != pieces.err ||
			!reflect.DeepEqual(whole.trailer, pieces.trailer) || !bytes.Equal(whole.rest, pieces.rest) {
			t.Fatalf("at once: %+v\nin pieces: %+v", whole, pieces)
		}
		body := whole.body
		switch err := whole.err; {
		case err == io.ErrUnexpectedEOF:
			return
		case err != io.EOF:
			if StatusOf(err) == 0 {
				t.Fatalf("error without a status: %v", err)
			}
			return
		}
		if !bytes.HasSuffix(data, whole.rest) {
			t.Fatalf("rest %q is not what follows the body in %q", whole.rest, data)
		}
		want, werr := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(data)))
		if werr != nil && !bwsBeforeExt.Match(data) {
			t.Fatalf("accepted %q, which net/http rejects: %v", data, werr)
		}
		if werr != nil {
			return
		}
		if !bytes.Equal(body, want) {
			t.Fatalf("decoded %q, net/http %q", body, want)
		}
	})
}

// FuzzSniff checks that detectContentType, which remembers what it found,
// always says what http.DetectContentType says, for a body seen for the
// first time and for one seen again after another.
func FuzzSniff(f *testing.F) {
	for _, s := range []string{"Hello, World!", "<html>", "\x89PNG\r\n\x1a\n", "GIF89a", "%PDF-1", "\x00\x01"} {
		f.Add([]byte(s), []byte("Hello, World!"))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var x exchange
		for _, data := range [][]byte{a, b, a, a[:len(a)/2], b} {
			if got, want := x.detectContentType(data), http.DetectContentType(data); got != want {
				t.Fatalf("detectContentType(%q) = %q, want %q", data, got, want)
			}
		}
	})
}

// FuzzFieldValue checks validFieldValue, which looks at eight bytes at a
// time, against httpguts.ValidHeaderFieldValue.
func FuzzFieldValue(f *testing.F) {
	for _, s := range []string{"", "text/html", "a\tb", "0123456789abcdef\x7f", "\x80\xff\x1f", strings.Repeat("x", 17) + "\x00", "abc\x7fdefgh", "\t\tabcdefghij\x01klm"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if got, want := validFieldValue(v), httpguts.ValidHeaderFieldValue(v); got != want {
			t.Fatalf("validFieldValue(%q) = %v, want %v", v, got, want)
		}
	})
}
