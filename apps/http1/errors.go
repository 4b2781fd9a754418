package http1

import (
	"errors"
	"net/http"
	"strconv"
)

// ErrBadRequest is wrapped by every error that makes the server reject a
// request on its own: a malformed request line, header section or body, a
// limit exceeded, an unsupported version or expectation. Such an error also
// carries the status the server answers with; see [StatusOf].
var ErrBadRequest = errors.New("http1: bad request")

// statusError is a request the server rejects with a status of its own, after
// which it closes the connection.
type statusError struct {
	code   int
	reason string
}

func (e *statusError) Error() string {
	return "http1: " + strconv.Itoa(e.code) + " " + http.StatusText(e.code) + ": " + e.reason
}

// Unwrap returns ErrBadRequest.
func (e *statusError) Unwrap() error { return ErrBadRequest }

// StatusOf returns the status the server answers a request with when reading
// it failed with err: 400, 408, 413, 414, 417, 431, 501 or 505, and 0 when
// err is not such an error. A handler that sees a body's Read fail can use it
// to answer with the same status the server would.
func StatusOf(err error) int {
	if se, ok := errors.AsType[*statusError](err); ok {
		return se.code
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return http.StatusRequestEntityTooLarge
	}
	return 0
}

func badRequest(reason string) *statusError {
	return &statusError{code: http.StatusBadRequest, reason: reason}
}

// Errors the parsers return often enough to be worth allocating once.
var (
	errBareLF         = badRequest("line ends in LF without CR")
	errBareCR         = badRequest("CR not followed by LF")
	errRequestLine    = badRequest("malformed request line")
	errMethod         = badRequest("method is not a token")
	errTarget         = badRequest("malformed request target")
	errVersionSyntax  = badRequest("malformed HTTP version")
	errObsFold        = badRequest("obsolete line folding")
	errSpaceColon     = badRequest("whitespace before colon in field line")
	errNoColon        = badRequest("field line without colon")
	errFieldName      = badRequest("invalid field name")
	errFieldValue     = badRequest("invalid field value")
	errNoHost         = badRequest("HTTP/1.1 request without Host")
	errManyHosts      = badRequest("more than one Host field")
	errBadHost        = badRequest("invalid Host")
	errContentLength  = badRequest("invalid Content-Length")
	errLengthMismatch = badRequest("Content-Length values differ")
	errCLAndTE        = badRequest("both Content-Length and Transfer-Encoding")
	errTE10           = badRequest("Transfer-Encoding in an HTTP/1.0 request")
	errChunkedNotLast = badRequest("chunked is not the final transfer coding")
	errTEEmpty        = badRequest("empty Transfer-Encoding")
	errChunkSize      = badRequest("malformed chunk size")
	errChunkOverflow  = badRequest("chunk size overflows")
	errChunkExt       = badRequest("malformed chunk extension")
	errChunkLine      = badRequest("chunk line too long")
	errChunkCRLF      = badRequest("chunk data not followed by CRLF")
	errChunkOverhead  = badRequest("too much chunk framing for too little data")
	errTrailer        = badRequest("malformed trailer section or Trailer field")

	errVersion         = &statusError{code: http.StatusHTTPVersionNotSupported, reason: "unsupported HTTP version"}
	errTooLong         = &statusError{code: http.StatusRequestURITooLong, reason: "request line too long"}
	errHeaders         = &statusError{code: http.StatusRequestHeaderFieldsTooLarge, reason: "header section too large"}
	errTrailerTooLarge = &statusError{code: http.StatusRequestHeaderFieldsTooLarge,
		reason: "trailer section too large"}
	errBodyTooLarge = &statusError{code: http.StatusRequestEntityTooLarge, reason: "Content-Length over the limit"}
	errExpect       = &statusError{code: http.StatusExpectationFailed, reason: "unsupported expectation"}
	errCoding       = &statusError{code: http.StatusNotImplemented, reason: "unsupported transfer coding"}
	errTimeout      = &statusError{code: http.StatusRequestTimeout, reason: "header section not received in time"}
)
