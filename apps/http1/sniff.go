package http1

import (
	"bytes"
	"net/http"
	"sync"
)

// sniffCacheLen bounds the bodies whose sniffed type is remembered.
const sniffCacheLen = 64

// sniffed is the content type http.DetectContentType found for a body.
type sniffed struct {
	n     int
	data  [sniffCacheLen]byte
	ctype string
}

// sniffCache holds the sniffed type of the last small body, one per P, as
// sync.Pool keeps its items: taking and returning one costs no lock and
// no allocation in steady state.
var sniffCache = sync.Pool{New: func() any { return new(sniffed) }}

// detectContentType returns http.DetectContentType(data), which a response
// whose handler set no Content-Type gets, as net/http does. Handlers tend to
// send the same short bodies again and again, and sniffing tries some forty
// signatures, so the answer for the last small body is remembered: a
// repeated body costs one comparison.
func detectContentType(data []byte) string {
	if len(data) > sniffCacheLen {
		return http.DetectContentType(data)
	}
	s := sniffCache.Get().(*sniffed)
	if s.ctype == "" || !bytes.Equal(s.data[:s.n], data) {
		s.n = copy(s.data[:], data)
		s.ctype = http.DetectContentType(data)
	}
	ctype := s.ctype
	sniffCache.Put(s)
	return ctype
}
