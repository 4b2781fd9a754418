package http1

import (
	"bytes"
	"net/http"
)

// sniffCacheLen bounds the bodies whose sniffed type is remembered.
const sniffCacheLen = 64

// sniffed is the content type http.DetectContentType found for a body.
type sniffed struct {
	n     int
	data  [sniffCacheLen]byte
	ctype string
}

// detectContentType returns http.DetectContentType(data), which a response
// whose handler set no Content-Type gets, as net/http does. Handlers tend to
// send the same short bodies again and again, and sniffing tries some forty
// signatures, so each exchange remembers the answer for the last small
// body it sniffed: a repeated body costs one comparison. Exchanges are
// pooled per P, so what one remembers serves the requests after it there.
func (x *exchange) detectContentType(data []byte) string {
	if len(data) > sniffCacheLen {
		return http.DetectContentType(data)
	}
	s := x.scratch.sniff
	if s == nil {
		s = new(sniffed)
		x.scratch.sniff = s
	}
	if s.ctype == "" || !bytes.Equal(s.data[:s.n], data) {
		s.n = copy(s.data[:], data)
		s.ctype = http.DetectContentType(data)
	}
	return s.ctype
}
