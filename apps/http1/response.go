package http1

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// errFinished is returned by a ResponseWriter used after its handler
// returned, which net/http forbids.
var errFinished = errors.New("http1: ResponseWriter used after its handler returned")

// response is the state of the http.ResponseWriter of one request, which
// the handler reaches through its request handle. It gathers the response
// in the connection's buffers and writes it with the connection's server
// when it is complete, when it outgrows the buffers, or when the handler
// flushes. It lives in the request's exchange, which is reused.
//
// Besides http.ResponseWriter, it implements http.Flusher, http.Hijacker,
// io.StringWriter, and the methods http.ResponseController looks for:
// FlushError, SetReadDeadline, SetWriteDeadline and EnableFullDuplex.
type response struct {
	x        *exchange
	header   http.Header
	declared int64
	written  int64
	buf      []byte // body written before the header is committed
	hdr      []byte // the header fields, as snapshotted, in x.scratch.hdr

	status    int  // 0 until WriteHeader
	committed bool // the status line and header are gathered or sent
	finished  bool // the handler returned
	chunked   bool // the body is sent with the chunked coding

	// What the header said when WriteHeader snapshotted it.
	hasDate      bool // Date set, or suppressed with a nil value
	sniff        bool // no Content-Type nor Content-Encoding
	handlerClose bool // Connection: close
	trailers     bool // trailers announced
	forceChunked bool // Transfer-Encoding: chunked
}

func (w *response) init(x *exchange) {
	*w = response{x: x, declared: -1}
}

// Header implements http.ResponseWriter.
func (w *response) Header() http.Header {
	if w.header == nil {
		w.header = make(http.Header)
	}
	return w.header
}

// WriteHeader implements http.ResponseWriter. A 1xx status other than 101 is
// sent at once, as an interim response, with the header fields set so far.
// It panics, as net/http does, for a code outside 100-999.
func (w *response) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("http1: invalid WriteHeader code %v", code))
	}
	switch {
	case w.x.c.hijacked, w.finished:
		w.x.c.app.log.Warn("http1: WriteHeader on a hijacked or finished response",
			"remote", w.x.c.remoteAddr, "code", code)
		return
	case w.status != 0:
		w.x.c.app.log.Warn("http1: superfluous WriteHeader call",
			"remote", w.x.c.remoteAddr, "code", code, "status", w.status)
		return
	case code < 200 && code != http.StatusSwitchingProtocols:
		w.writeInterim(code)
		return
	}
	w.status = code
	w.snapshot()
}

// writeInterim sends a 1xx response. An HTTP/1.0 client gets none.
func (w *response) writeInterim(code int) {
	c := w.x.c
	if w.x.head.minor == 0 || c.werr != nil {
		return
	}
	if code == http.StatusContinue && w.x.body != nil {
		w.x.body.expect100 = false
	}
	w.snapshot()
	out := appendStatusLine(c.outBuf(), code)
	out = append(out, w.hdr...)
	c.out = append(out, "\r\n"...)
	c.flushOut()
}

// snapshot serializes the header fields the handler set, so that later
// changes to the map have no effect, as net/http documents, and notes the
// fields that decide how the response is framed.
func (w *response) snapshot() {
	w.hasDate, w.sniff, w.handlerClose, w.trailers, w.forceChunked = false, true, false, false, false
	w.declared = -1
	w.hdr = w.hdr[:0]
	if len(w.header) != 0 {
		w.snapshotFields()
	}
}

// snapshotFields does snapshot's work for a header that has fields. It is
// a function of its own, so that the stack frame its sorting needs is
// only taken when there is something to sort.
func (w *response) snapshotFields() {
	s := &w.x.scratch
	var arr [16]string // keys, sorted as net/http sorts them
	keys := arr[:0]
	for k := range w.header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if s.hdr == nil {
		s.hdr = make([]byte, 0, 1<<minPoolShift)
	}
	hdr := s.hdr[:0]
	for _, k := range keys {
		vv := w.header[k]
		switch k {
		case "Content-Length":
			if len(vv) > 0 {
				if v := trimOWS(vv[0]); allDigits(v) {
					if n, err := strconv.ParseInt(v, 10, 64); err == nil {
						w.declared = n
					}
				}
			}
			continue
		case "Transfer-Encoding":
			w.forceChunked = httpguts.HeaderValuesContainsToken(vv, "chunked")
			continue
		case "Date":
			w.hasDate = true
		case "Content-Type", "Content-Encoding":
			w.sniff = false
		case "Connection":
			w.handlerClose = httpguts.HeaderValuesContainsToken(vv, "close")
		case "Trailer":
			w.trailers = true
		}
		if strings.HasPrefix(k, http.TrailerPrefix) {
			w.trailers = true
			continue
		}
		if !httpguts.ValidHeaderFieldName(k) {
			continue
		}
		for _, v := range vv {
			hdr = appendField(hdr, k, v)
		}
	}
	s.hdr, w.hdr = hdr, hdr // keeps hdr if it outgrew the storage
}

// appendField appends a field line, with CR and LF in the value turned into
// spaces so that a value cannot start a field or a response of its own.
func appendField(b []byte, k, v string) []byte {
	b = append(b, k...)
	b = append(b, ": "...)
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' {
			b = append(b, ' ')
		} else {
			b = append(b, c)
		}
	}
	return append(b, "\r\n"...)
}

// Write implements http.ResponseWriter.
func (w *response) Write(p []byte) (int, error) { return write(w, p) }

// WriteString implements io.StringWriter.
func (w *response) WriteString(s string) (int, error) { return write(w, s) }

func write[T []byte | string](w *response, p T) (int, error) {
	if err := w.writable(); err != nil {
		return 0, err
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowedForStatus(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if len(p) == 0 {
		return 0, nil
	}
	if w.declared >= 0 && w.written+int64(len(p)) > w.declared {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	if !w.committed {
		if len(w.buf)+len(p) <= commitSize {
			if w.buf == nil {
				if w.x.scratch.body == nil {
					w.x.scratch.body = make([]byte, 0, commitSize)
				}
				w.buf = w.x.scratch.body[:0]
			}
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		if len(w.buf) == 0 && w.sniff {
			w.buf = append(w.buf[:0], p[:min(len(p), sniffLen)]...) // sniffed, then dropped
			w.commit(false, true)
		} else {
			w.commit(false, false)
		}
	}
	if w.x.head.method != http.MethodHead {
		writeBody(w, p)
	}
	if err := w.x.c.werr; err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeBody sends body bytes after a committed header.
func writeBody[T []byte | string](w *response, p T) {
	c := w.x.c
	out := c.outBuf()
	if w.chunked {
		out = strconv.AppendUint(out, uint64(len(p)), 16)
		out = append(out, "\r\n"...)
	}
	if len(out)+len(p) <= outFlushSize {
		out = append(out, p...)
		c.out = out
	} else {
		c.out = out
		c.flushOut()
		c.write([]byte(p))
	}
	if w.chunked {
		c.out = append(c.out, "\r\n"...)
	}
	if len(c.out) >= outFlushSize {
		c.flushOut()
	}
}

// sniffLen is how much of a body http.DetectContentType looks at.
const sniffLen = 512

// commit gathers the status line and header. final says the handler has
// returned, so the whole body is in w.buf and its length is known. sample
// says w.buf holds only a sample of the body to sniff its type from, not
// body to send.
func (w *response) commit(final, sample bool) {
	c, h := w.x.c, &w.x.head
	w.committed = true
	code := w.status
	allowed := bodyAllowedForStatus(code)
	isHead := h.method == http.MethodHead
	trailers := w.trailers && h.minor >= 1
	length := int64(-1)
	switch {
	case !allowed:
		if code == http.StatusNotModified {
			length = w.declared
		}
	case w.declared >= 0:
		length = w.declared
	case final && !trailers && !w.forceChunked:
		if !isHead || w.written > 0 {
			length = w.written
		}
	case isHead:
	case h.minor >= 1:
		w.chunked = true
	default:
		c.closing = true // HTTP/1.0: the body ends with the connection
	}
	if h.close || w.handlerClose || code == http.StatusSwitchingProtocols || c.srv.ShuttingDown() {
		c.closing = true
	}

	out := appendStatusLine(c.outBuf(), code)
	if !w.hasDate {
		out = append(out, "Date: "...)
		out = appendDate(out)
		out = append(out, "\r\n"...)
	}
	if w.sniff && allowed && len(w.buf) > 0 {
		out = append(out, "Content-Type: "...)
		out = append(out, w.x.detectContentType(w.buf)...)
		out = append(out, "\r\n"...)
	}
	if length >= 0 {
		out = append(out, "Content-Length: "...)
		out = strconv.AppendInt(out, length, 10)
		out = append(out, "\r\n"...)
	}
	if w.chunked {
		out = append(out, "Transfer-Encoding: chunked\r\n"...)
	}
	switch {
	case c.closing && !w.handlerClose:
		out = append(out, "Connection: close\r\n"...)
	case !c.closing && h.minor == 0:
		out = append(out, "Connection: keep-alive\r\n"...)
	}
	out = append(out, w.hdr...)
	c.out = append(out, "\r\n"...)
	if len(w.buf) > 0 && allowed && !isHead && !sample {
		writeBody(w, w.buf)
	}
	w.buf = w.buf[:0]
}

// finish completes the response once the handler has returned.
func (w *response) finish() {
	c, h := w.x.c, &w.x.head
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(true, false)
	}
	if w.chunked {
		out := append(c.outBuf(), "0\r\n"...)
		out = w.appendTrailers(out)
		c.out = append(out, "\r\n"...)
	}
	if w.declared >= 0 && w.written < w.declared && bodyAllowedForStatus(w.status) &&
		h.method != http.MethodHead {
		c.closing = true // the client would wait for the missing bytes
	}
}

// appendTrailers appends the trailer fields: those the Trailer header field
// announced, and those set with the http.TrailerPrefix prefix.
func (w *response) appendTrailers(b []byte) []byte {
	for _, v := range w.header["Trailer"] {
		for k := range strings.SplitSeq(v, ",") {
			k = http.CanonicalHeaderKey(trimOWS(k))
			if !httpguts.ValidHeaderFieldName(k) || !httpguts.ValidTrailerHeader(k) {
				continue
			}
			for _, v := range w.header[k] {
				b = appendField(b, k, v)
			}
		}
	}
	for k, vv := range w.header {
		name, ok := strings.CutPrefix(k, http.TrailerPrefix)
		if !ok || !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidTrailerHeader(name) {
			continue
		}
		for _, v := range vv {
			b = appendField(b, name, v)
		}
	}
	return b
}

// untouched reports whether the handler wrote nothing, not even a status.
func (w *response) untouched() bool { return w.status == 0 && !w.committed }

func (w *response) writable() error {
	switch {
	case w.x.c.hijacked:
		return http.ErrHijacked
	case w.finished:
		return errFinished
	}
	return w.x.c.werr
}

// Flush implements http.Flusher.
func (w *response) Flush() { _ = w.FlushError() }

// FlushError sends what the handler has written so far; the body goes on
// chunked (or, for an HTTP/1.0 client, until the connection closes) unless
// the handler set Content-Length. http.ResponseController.Flush calls it.
func (w *response) FlushError() error {
	if err := w.writable(); err != nil {
		return err
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(false, false)
	}
	w.x.c.flushOut()
	return w.x.c.werr
}

// SetReadDeadline sets the deadline for reading the rest of the request
// body, in place of Config.BodyReadTimeout; the zero time means none. It is
// what http.ResponseController.SetReadDeadline calls.
func (w *response) SetReadDeadline(t time.Time) error {
	if err := w.writable(); err != nil {
		return err
	}
	w.deadlines().read, w.x.dl.readSet = t, true
	return nil
}

// SetWriteDeadline sets the deadline for writing the rest of the response,
// in place of Config.WriteTimeout; the zero time means none. It is what
// http.ResponseController.SetWriteDeadline calls.
func (w *response) SetWriteDeadline(t time.Time) error {
	if err := w.writable(); err != nil {
		return err
	}
	w.deadlines().write, w.x.dl.writeSet = t, true
	return nil
}

// deadlines returns the deadlines the handler set, making them if needed.
func (w *response) deadlines() *deadlines {
	if w.x.dl == nil {
		w.x.dl = new(deadlines)
	}
	return w.x.dl
}

// EnableFullDuplex lets the handler read the request body after it has
// started writing the response. Nothing needs enabling: the body is always
// readable, since the handler reads and writes on one goroutine. It is what
// http.ResponseController.EnableFullDuplex calls.
func (w *response) EnableFullDuplex() error { return w.writable() }

// Hijack implements http.Hijacker. It detaches the connection from its
// server (core.Server.Detach): the server ends, and the caller owns the
// connection. Responses written before are sent first. The returned reader
// holds the bytes the client sent after the request's header section that
// were not read yet.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c := w.x.c
	if err := w.writable(); err != nil {
		return nil, nil, err
	}
	if w.status != 0 && !w.committed {
		w.commit(false, false)
	}
	c.flushOut()
	if c.werr != nil {
		return nil, nil, c.werr
	}
	conn, rest, err := c.srv.Detach()
	if err != nil {
		return nil, nil, fmt.Errorf("http1: hijack: %w", err)
	}
	c.hijacked = true
	var r io.Reader = conn
	if len(c.in)+len(rest) > 0 {
		buffered := make([]byte, 0, len(c.in)+len(rest))
		buffered = append(append(buffered, c.in...), rest...)
		r = io.MultiReader(bytes.NewReader(buffered), conn)
	}
	c.in, c.inOwned = nil, false
	return conn, bufio.NewReadWriter(bufio.NewReader(r), bufio.NewWriter(conn)), nil
}

// bodyAllowedForStatus reports whether a response with this status may
// have a body (RFC 9110, sections 15.2, 15.3.5 and 15.4.5).
func bodyAllowedForStatus(code int) bool {
	return code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified
}

// appendStatusLine appends the status line of a response with this code.
func appendStatusLine(b []byte, code int) []byte {
	if code >= 0 && code < len(statusLines) && statusLines[code] != "" {
		return append(b, statusLines[code]...)
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	if text := http.StatusText(code); text != "" {
		b = append(b, text...)
	} else {
		b = append(b, "status code "...)
		b = strconv.AppendInt(b, int64(code), 10)
	}
	return append(b, "\r\n"...)
}

// statusLines holds the status line of each code below 600 that has a
// text, made once, so that sending one is a copy.
var statusLines = func() (t [600]string) {
	for code := range t {
		if http.StatusText(code) != "" {
			t[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + http.StatusText(code) + "\r\n"
		}
	}
	return t
}()
