package http1

import (
	"bytes"
	"math/bits"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// headScanner finds the end of a request's header section in input that
// arrives piecemeal. It remembers how far it has looked, so trickled input
// is scanned once, not once per byte received. Every line must end in CRLF
// (RFC 9112, section 2.2): a bare LF is an error as soon as it arrives.
type headScanner struct {
	pos       int // input[:pos] has been scanned
	lineStart int // where the line being scanned starts
	lines     int // the lines ended so far
	// fields is how many field lines the section scan last found had:
	// the lines between the request line and the empty line.
	fields int
}

// scan looks at in, the input from the first byte of the request line on
// (in[:s.pos] is what it was given before), and returns the length of the
// header section, through the empty line that ends it, or 0 if the section
// is incomplete. maxLine bounds the request line and maxHead the whole
// section, both with their line endings.
func (s *headScanner) scan(in []byte, maxLine, maxHead int) (int, error) {
	for {
		i := bytes.IndexByte(in[s.pos:], '\n')
		if i < 0 {
			s.pos = len(in)
			switch {
			case s.lineStart == 0 && len(in) > maxLine:
				return 0, errTooLong
			case len(in) > maxHead:
				return 0, errHeaders
			}
			return 0, nil
		}
		lf := s.pos + i
		end := lf + 1
		switch {
		case s.lineStart == 0 && end > maxLine:
			return 0, errTooLong
		case end > maxHead:
			return 0, errHeaders
		case lf == 0 || in[lf-1] != '\r':
			return 0, errBareLF
		}
		if s.lineStart > 0 && lf-1 == s.lineStart {
			*s = headScanner{fields: s.lines - 1} // for the next request
			return end, nil
		}
		s.lineStart, s.pos = end, end
		s.lines++
	}
}

// skipEmptyLines returns how many bytes of CRLF pairs start in: a server
// ignores empty lines before a request line (RFC 9112, section 2.2).
func skipEmptyLines(in []byte) int {
	n := 0
	for len(in)-n >= 2 && in[n] == '\r' && in[n+1] == '\n' {
		n += 2
	}
	return n
}

// head is the parsed header section of one request. It lives in the
// request's exchange, which is reused; what the *http.Request keeps of it
// (strings, the URL, the header map and its values) never is.
type head struct {
	method string
	target string // the request-target as received
	proto  string
	url    *url.URL
	// u is where the URL of most requests is parsed into, zero until
	// then; when nil, one is allocated.
	u       *url.URL
	header  http.Header
	host    string
	length  int64       // body length; -1 when chunked
	trailer http.Header // the trailer fields announced, with nil values

	// vals backs the values of the first fields, so that a request with
	// few fields costs no allocation for them; when too short, a slice is
	// allocated.
	vals []string

	minor     uint8 // 0 for HTTP/1.0, 1 or more for HTTP/1.1 and later 1.x
	chunked   bool
	close     bool // the connection closes after this request
	keepAlive bool // an HTTP/1.0 request asked for keep-alive
	expect100 bool

	// What parseFields notes for parseFraming: how many Host field lines
	// there are (0, 1, or 2 for more; never in header, as net/http: see
	// Request.Host, and the first one's value is in host), and which of
	// the fields that decide framing are present, so that a request
	// without them costs no map lookup.
	hosts   uint8
	framing framingFields
}

// framingFields is a set of the fields that decide how a request is read.
type framingFields uint8

const (
	fieldContentLength framingFields = 1 << iota
	fieldTransferEncoding
	fieldConnection
	fieldExpect
)

// framingField returns the framingFields bit of a canonical field name, or 0.
func framingField(key string) framingFields {
	switch key {
	case "Content-Length":
		return fieldContentLength
	case "Transfer-Encoding":
		return fieldTransferEncoding
	case "Connection":
		return fieldConnection
	case "Expect":
		return fieldExpect
	}
	return 0
}

// parseHead parses a complete header section, as scan delimited it: request
// line, field lines and the empty line, each ending in CRLF. It applies the
// rules of RFC 9112 and RFC 9110 that decide how the request is read: the
// request-target's form, Host, Content-Length, Transfer-Encoding, Connection
// and Expect. It returns a *statusError when the request must be rejected.
// Every string of the request is a piece of s.
func parseHead(h *head, s string) error {
	eol := strings.IndexByte(s, '\n') // scan made sure it follows CR
	if eol < 1 {
		return errRequestLine
	}
	if err := h.parseRequestLine(s[:eol-1]); err != nil {
		return err
	}
	if err := h.parseFields(s[eol+1:]); err != nil {
		return err
	}
	return h.parseFraming()
}

// parseRequestLine parses method SP request-target SP HTTP-version.
func (h *head) parseRequestLine(line string) error {
	if h.parsePlainRequestLine(line) {
		return nil
	}
	return h.parseRequestLineSlowly(line)
}

// parseRequestLineSlowly is parseRequestLine for any line, the invalid ones
// included: it finds what is wrong with them.
func (h *head) parseRequestLineSlowly(line string) error {
	method, rest, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 {
		if strings.IndexByte(line, '\r') >= 0 {
			return errBareCR
		}
		return errRequestLine
	}
	minor, err := parseVersion(proto)
	if err != nil {
		return err
	}
	if !isToken(method) {
		return errMethod
	}
	h.method, h.target, h.proto, h.minor = method, target, proto, minor
	u, err := parseTarget(method, target, h.u)
	if err != nil {
		return err
	}
	h.url = u
	return nil
}

// parsePlainRequestLine parses, in one pass, the request line most requests
// have: a method other than CONNECT and an origin-form target whose path
// keeps every character as it is (see plainPath), with a query, if any,
// of visible characters other than '%', '?' and '#'. It sets what
// parseRequestLine would, and reports false, having set nothing, for any
// other line, which parseRequestLine then parses in full.
func (h *head) parsePlainRequestLine(line string) bool {
	i := 0
	for i < len(line) && tokenByte[line[i]] {
		i++
	}
	if i == 0 || i+1 >= len(line) || line[i] != ' ' || line[i+1] != '/' {
		return false
	}
	method := line[:i]
	if method == http.MethodConnect {
		return false
	}
	start := i + 1
	for i = start; i < len(line) && plainPathByte[line[i]]; i++ {
	}
	pathEnd := i
	hasQuery := i < len(line) && line[i] == '?'
	if hasQuery {
		for i++; i < len(line) && plainQueryByte[line[i]]; i++ {
		}
	}
	if i >= len(line) || line[i] != ' ' {
		return false
	}
	minor, err := parseVersion(line[i+1:])
	if err != nil {
		return false
	}
	u := h.u
	if u == nil {
		u = new(url.URL)
	}
	query := ""
	if hasQuery {
		query = line[pathEnd+1 : i]
	}
	u.Path, u.RawQuery, u.ForceQuery = line[start:pathEnd], query, hasQuery && query == ""
	h.method, h.target, h.proto, h.minor, h.url = method, line[start:i], line[i+1:], minor, u
	return true
}

// tokenByte holds the characters of a token (RFC 9110, section 5.6.2).
var tokenByte = func() (t [256]bool) {
	for c := range 128 {
		t[c] = httpguts.IsTokenRune(rune(c))
	}
	return t
}()

// plainQueryByte holds the characters parsePlainRequestLine takes in a
// query: visible ASCII, but for '%', which needs checking, '?', which the
// url package treats apart, and '#', which a target cannot hold.
var plainQueryByte = func() (t [256]bool) {
	for c := '!'; c < 0x7f; c++ {
		t[c] = c != '%' && c != '?' && c != '#'
	}
	return t
}()

// parseVersion parses "HTTP/" DIGIT "." DIGIT and returns the minor version.
// A major version other than 1 is not supported (505); a higher minor
// version is treated as the highest this server implements, HTTP/1.1
// (RFC 9110, section 6.2), by the caller.
func parseVersion(v string) (uint8, error) {
	if len(v) != 8 || v[:5] != "HTTP/" || !isDigit(v[5]) || v[6] != '.' || !isDigit(v[7]) {
		if strings.IndexByte(v, '\r') >= 0 {
			return 0, errBareCR
		}
		return 0, errVersionSyntax
	}
	if v[5] != '1' {
		return 0, errVersion
	}
	return v[7] - '0', nil
}

// parseTarget parses a request-target in the form its method allows
// (RFC 9112, section 3.2): the authority form for CONNECT only, the
// asterisk form for OPTIONS only, and the origin and absolute forms for the
// rest.
func parseTarget(method, t string, u *url.URL) (*url.URL, error) {
	if !validTarget(t) {
		if strings.IndexByte(t, '\r') >= 0 {
			return nil, errBareCR
		}
		return nil, errTarget
	}
	switch {
	case method == http.MethodConnect:
		// authority-form = uri-host ":" port
		host, port, ok := cutLast(t, ':')
		if !ok || host == "" || !allDigits(port) || !httpguts.ValidHostHeader(host) ||
			strings.ContainsAny(host, "/?@%") {
			return nil, errTarget
		}
		if u, err := url.Parse("http://" + t); err != nil || u.Host != t {
			return nil, errTarget // not an IP literal or name the url package takes
		}
		return &url.URL{Host: t}, nil
	case t == "*":
		if method != http.MethodOptions {
			return nil, errTarget
		}
		return &url.URL{Path: "*"}, nil
	case t[0] == '/':
		return parseOrigin(t, u)
	}
	u, err := url.ParseRequestURI(t)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" || u.User != nil ||
		!httpguts.ValidHostHeader(u.Host) {
		return nil, errTarget
	}
	return u, nil
}

// parseOrigin parses an origin-form target, absolute-path [ "?" query ].
// The common case, a path with nothing to unescape, is parsed here into u,
// which must be zero (or a new URL if u is nil), exactly as
// url.ParseRequestURI would (the fuzz test checks it); the rest is left to
// the url package.
func parseOrigin(t string, u *url.URL) (*url.URL, error) {
	path, query, hasQuery := strings.Cut(t, "?")
	if plainPath(path) && strings.IndexByte(query, '?') < 0 {
		if u == nil {
			u = new(url.URL)
		}
		// Only the fields that are not zero are set: u is on the
		// heap, and during a collection every pointer stored there
		// costs a write barrier.
		u.Path, u.RawQuery, u.ForceQuery = path, query, hasQuery && query == ""
		return u, nil
	}
	u, err := url.ParseRequestURI(t)
	if err != nil {
		return nil, errTarget
	}
	return u, nil
}

// plainPath reports whether p holds only characters that a path keeps as
// they are, so that unescaping and escaping it again are no-ops.
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		if !plainPathByte[p[i]] {
			return false
		}
	}
	return true
}

var plainPathByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	// Not '!', '\'', '(', ')' or '*': the url package escapes those in
	// paths, and so records the raw path.
	for _, c := range "-._~$&+,;=:@/" {
		t[c] = true
	}
	return t
}()

// validTarget reports whether every byte of t is a visible ASCII character
// other than '#' (a fragment is never sent), and every '%' starts a valid
// percent-encoding. It does not otherwise check the URI grammar: real clients
// send characters such as '|' and '{' unescaped in queries.
func validTarget(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c <= ' ' || c >= 0x7f || c == '#':
			return false
		case c == '%':
			if i+2 >= len(t) || !isHex(t[i+1]) || !isHex(t[i+2]) {
				return false
			}
		}
	}
	return true
}

// parseFields parses the field lines of s, which ends with the empty line,
// into h.header, except Host, which it notes in h.hosts and h.host.
func (h *head) parseFields(s string) error {
	vals := h.vals
	// seen is a one-word Bloom filter of the keys stored so far: a key
	// whose bit is clear is new, and is stored with one map assignment,
	// without first looking for its earlier values.
	var seen uint64
	for {
		// scan made sure that every line ends in CRLF.
		if strings.HasPrefix(s, "\r\n") {
			break // the empty line
		}
		name, value, canonical, n := nextField(s)
		key := name
		switch {
		case n == 0:
			// Not the common line: parse it in full, for its error.
			eol := strings.IndexByte(s, '\n')
			var err error
			if name, value, err = parseFieldSlowly(s[:eol-1]); err != nil {
				return err
			}
			key, n = canonicalKey(name), eol+1
		case !canonical:
			key = http.CanonicalHeaderKey(name)
		}
		s = s[n:]
		if key == "Host" {
			if h.hosts == 0 {
				h.host = value
			}
			h.hosts = min(h.hosts+1, 2)
			continue
		}
		h.framing |= framingField(key)
		if h.header == nil {
			// Room for this field and the lines after it, but
			// the empty one.
			lines := strings.Count(s, "\n") // every line ends in CRLF
			h.header = make(http.Header, lines)
			if lines > len(vals) {
				vals = make([]string, lines)
			}
		}
		bit := keyBit(key)
		if seen&bit != 0 {
			if vv, ok := h.header[key]; ok {
				h.header[key] = append(vv, value)
				continue
			}
		}
		seen |= bit
		vals[0] = value
		h.header[key] = vals[:1:1]
		vals = vals[1:]
	}
	if h.header == nil {
		h.header = make(http.Header)
	}
	return nil
}

// keyBit returns the bit of a non-empty field name in parseFields' filter.
// It mixes the length and two of the characters, since the names a request
// has often share their first ones (Accept, Accept-Encoding and so on).
func keyBit(key string) uint64 {
	return 1 << ((uint(len(key)) + uint(key[len(key)-1])*5 + uint(key[len(key)/2])*3) & 63)
}

// parseField splits a field line into its name and its value, without the
// value's surrounding whitespace (RFC 9112, section 5).
func parseField(line string) (name, value string, err error) {
	// The common line, a token, a colon and a value without control
	// characters, takes one pass; any other is parsed in full, for its
	// error.
	i, _ := scanName(line)
	if i > 0 && i < len(line) && line[i] == ':' && validFieldValue(line[i+1:]) {
		return line[:i], trimOWS(line[i+1:]), nil
	}
	return parseFieldSlowly(line)
}

// validFieldValue reports whether v holds no control character but HTAB,
// as httpguts.ValidHeaderFieldValue does (RFC 9110, section 5.5).
func validFieldValue(v string) bool {
	for i := 0; ; i++ {
		i = ctlIndex(v, i)
		if i == len(v) {
			return true
		}
		if v[i] != '\t' {
			return false
		}
	}
}

// nextField parses the field line at the start of s, a header section's
// remainder whose every line ends in CRLF, if it is a common one: a token,
// a colon, and a value without control characters but HTAB, each byte
// looked at once (eight at a time in the value). It returns the name, the
// value without its surrounding whitespace, whether the name is canonical
// (as http.CanonicalHeaderKey returns it), and the length of the line with
// its CRLF; a length of 0 when the line is not a common one, which
// parseFieldSlowly then parses, for its error.
func nextField(s string) (name, value string, canonical bool, n int) {
	i, canonical := scanName(s)
	if i == 0 || i == len(s) || s[i] != ':' {
		return "", "", false, 0
	}
	j := i + 1
	for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
		j++
	}
	start := j
	for {
		j = ctlIndex(s, j)
		if j == len(s) || s[j] != '\t' {
			break
		}
		j++
	}
	if j+1 >= len(s) || s[j] != '\r' || s[j+1] != '\n' {
		return "", "", false, 0
	}
	end := j
	for end > start && (s[end-1] == ' ' || s[end-1] == '\t') {
		end--
	}
	return s[:i], s[start:end], canonical, j + 2
}

// scanName returns the length of the token that s starts with, a field
// name, and whether that name is canonical (as http.CanonicalHeaderKey
// returns it).
func scanName(s string) (n int, canonical bool) {
	// One table look-up a byte tells whether it belongs to a token,
	// whether its letter case makes the name not canonical there, and
	// whether the next byte starts a word.
	word, bad := uint(nameWordStart), uint8(0)
	i := 0
	for ; i < len(s); i++ {
		e := nameTable[(word|uint(s[i]))&uint(len(nameTable)-1)]
		if e == 0 {
			break
		}
		bad |= e
		word = uint(e&nameNextStarts) << nameStartShift
	}
	return i, bad&nameNotCanonical == 0
}

// ctlIndex returns the index of the first control character (a byte below
// 0x20, or DEL) in s from i on, or len(s) if there is none. It looks at
// eight bytes at a time: values such as User-Agent and Cookie are long.
func ctlIndex(s string, i int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		// A byte below 0x20, or one equal to 0x7f (zero once XORed
		// with it), sets its high bit in the mask; bytes from 0x80 up
		// never do. Borrows make bytes above such a byte unreliable,
		// but never those below it: the lowest bit set is the first
		// control character.
		del := x ^ (0x7f * ones)
		if m := ((x-0x20*ones)&^x | (del-ones)&^del) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return i
		}
	}
	return i
}

// The bits of nameTable's entries.
const (
	nameToken        = 1 << iota // the byte is a token's
	nameNotCanonical             // its letter case is not canonical there
	nameNextStarts               // it is '-': the next byte starts a word
)

// nameWordStart is where nameTable's entries for a word's first byte
// start; shifting nameNextStarts by nameStartShift turns an entry's bit
// into that offset.
const (
	nameStartShift = 6
	nameWordStart  = nameNextStarts << nameStartShift
)

// nameTable holds, for each byte of a field name inside a word and (from
// nameWordStart on) at a word's start, the bits above; 0 for a byte that
// no token holds (RFC 9110, section 5.6.2). A canonical name has its
// words' first letters in upper case and their others in lower case, as
// http.CanonicalHeaderKey makes them.
var nameTable = func() (t [2 * nameWordStart]uint8) {
	for c := range 128 {
		if !httpguts.IsTokenRune(rune(c)) {
			continue
		}
		in, start := uint8(nameToken), uint8(nameToken)
		switch {
		case 'a' <= c && c <= 'z':
			start |= nameNotCanonical
		case 'A' <= c && c <= 'Z':
			in |= nameNotCanonical
		case c == '-':
			in |= nameNextStarts
			start |= nameNextStarts
		}
		t[c], t[nameWordStart+c] = in, start
	}
	return t
}()

// parseFieldSlowly is parseField for any line, the invalid ones included:
// it finds what is wrong with them.
func parseFieldSlowly(line string) (name, value string, err error) {
	switch line[0] {
	case ' ', '\t':
		return "", "", errObsFold
	}
	name, value, ok := strings.Cut(line, ":")
	switch {
	case !ok:
		if strings.IndexByte(line, '\r') >= 0 {
			return "", "", errBareCR
		}
		return "", "", errNoColon
	case name != "" && (name[len(name)-1] == ' ' || name[len(name)-1] == '\t'):
		return "", "", errSpaceColon
	case !httpguts.ValidHeaderFieldName(name):
		if strings.IndexByte(name, '\r') >= 0 {
			return "", "", errBareCR
		}
		return "", "", errFieldName
	}
	value = trimOWS(value)
	if !httpguts.ValidHeaderFieldValue(value) {
		if strings.IndexByte(value, '\r') >= 0 {
			return "", "", errBareCR
		}
		return "", "", errFieldValue
	}
	return name, value, nil
}

// parseFraming applies the fields that decide how the request is read.
func (h *head) parseFraming() error {
	switch {
	case h.hosts > 1:
		return errManyHosts
	case h.hosts == 0 && h.minor >= 1:
		return errNoHost
	case h.hosts == 1 && !httpguts.ValidHostHeader(h.host):
		return errBadHost
	}
	if h.url.Host != "" { // absolute or authority form (RFC 9112, 3.2.2)
		h.host = h.url.Host
	}

	h.length = 0
	hdr := h.header
	hasCL := h.framing&fieldContentLength != 0
	if hasCL {
		cl := hdr["Content-Length"]
		n, err := parseContentLength(cl)
		if err != nil {
			return err
		}
		h.length = n
		if len(cl) > 1 {
			hdr["Content-Length"] = cl[:1:1] // as net/http: one of the equal values
		}
	}
	if h.framing&fieldTransferEncoding != 0 {
		switch {
		case hasCL:
			return errCLAndTE
		case h.minor == 0:
			return errTE10
		}
		te := hdr["Transfer-Encoding"]
		if err := checkCodings(te); err != nil {
			return err
		}
		h.chunked, h.length = true, -1
		delete(hdr, "Transfer-Encoding") // as net/http: see Request.TransferEncoding
		if err := h.parseTrailer(); err != nil {
			return err
		}
	}

	var conn []string
	if h.framing&fieldConnection != 0 {
		conn = hdr["Connection"]
	}
	h.keepAlive = h.minor == 0 && httpguts.HeaderValuesContainsToken(conn, "keep-alive")
	h.close = httpguts.HeaderValuesContainsToken(conn, "close") || (h.minor == 0 && !h.keepAlive)

	if h.framing&fieldExpect != 0 {
		for _, v := range hdr["Expect"] {
			for elem := range strings.SplitSeq(v, ",") {
				switch elem = trimOWS(elem); {
				case elem == "":
				case strings.EqualFold(elem, "100-continue"):
					// An HTTP/1.0 client cannot understand 100
					// (RFC 9110, section 10.1.1).
					h.expect100 = h.minor >= 1
				default:
					return errExpect
				}
			}
		}
	}
	return nil
}

// parseTrailer moves the Trailer field of a chunked request into h.trailer,
// as net/http does for Request.Trailer. Announcing a field that decides
// framing as a trailer is an error.
func (h *head) parseTrailer() error {
	vv, ok := h.header["Trailer"]
	if !ok {
		return nil
	}
	delete(h.header, "Trailer")
	for _, v := range vv {
		for key := range strings.SplitSeq(v, ",") {
			if key = trimOWS(key); key == "" {
				continue
			}
			if !isToken(key) {
				return errTrailer
			}
			switch key = canonicalKey(key); key {
			case "Transfer-Encoding", "Trailer", "Content-Length":
				return errTrailer
			}
			if h.trailer == nil {
				h.trailer = make(http.Header)
			}
			h.trailer[key] = nil
		}
	}
	return nil
}

// parseContentLength parses the values of Content-Length: 1*DIGIT each, in
// one or several field lines or a comma-separated list, all equal
// (RFC 9110, section 8.6).
func parseContentLength(values []string) (int64, error) {
	n := int64(-1)
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			elem = trimOWS(elem)
			if !allDigits(elem) {
				return 0, errContentLength
			}
			m, err := strconv.ParseInt(elem, 10, 64)
			if err != nil {
				return 0, errContentLength
			}
			if n >= 0 && m != n {
				return 0, errLengthMismatch
			}
			n = m
		}
	}
	return n, nil
}

// checkCodings checks the transfer codings of a request: chunked must be
// the final one and appear once, or the body's length cannot be known
// (400, RFC 9112, section 6.3); any other coding is one this server does not
// implement (501, RFC 9112, section 6.1).
func checkCodings(values []string) error {
	var codings, chunked int
	last := ""
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			elem = trimOWS(elem)
			if elem == "" {
				continue
			}
			name, _, _ := strings.Cut(elem, ";")
			name = trimOWS(name)
			if !isToken(name) {
				return errChunkedNotLast
			}
			codings++
			last = name
			if strings.EqualFold(name, "chunked") {
				chunked++
			}
		}
	}
	switch {
	case codings == 0:
		return errTEEmpty
	case chunked != 1 || !strings.EqualFold(last, "chunked"):
		return errChunkedNotLast
	case codings > 1:
		return errCoding
	}
	return nil
}

// canonicalKey returns the canonical form of a valid field name, without
// allocating when it already is canonical.
func canonicalKey(name string) string {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (upper && 'a' <= c && c <= 'z') || (!upper && 'A' <= c && c <= 'Z') {
			return http.CanonicalHeaderKey(name)
		}
		upper = c == '-'
	}
	return name
}

// trimOWS trims optional whitespace, SP and HTAB, from both ends of s.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// cutLast slices s around the last sep.
func cutLast(s string, sep byte) (before, after string, found bool) {
	if i := strings.LastIndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

func isToken(s string) bool { return httpguts.ValidHeaderFieldName(s) }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}
