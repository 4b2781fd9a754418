package http1

import (
	"net/url"
	"testing"
)

// benchHeads are header sections to parse: the one wrk sends, and one as a
// browser sends it.
var benchHeads = []struct{ name, head string }{
	{"wrk", "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"},
	{"browser", "GET /static/app.js?v=3 HTTP/1.1\r\n" +
		"Host: example.com\r\n" +
		"Connection: keep-alive\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n" +
		"Accept: */*\r\n" +
		"Sec-Fetch-Site: same-origin\r\n" +
		"Sec-Fetch-Mode: no-cors\r\n" +
		"Referer: https://example.com/\r\n" +
		"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
		"Accept-Language: en-US,en;q=0.9\r\n" +
		"Cookie: session=0123456789abcdef; theme=dark\r\n\r\n"},
}

// BenchmarkParseHead measures what serving a request costs to find and
// parse its header section: scan, then parseHead, into a head whose URL and
// storage for values are reused, as a reusable request's are.
func BenchmarkParseHead(b *testing.B) {
	for _, tc := range benchHeads {
		b.Run(tc.name, func(b *testing.B) {
			in := []byte(tc.head)
			var (
				s    headScanner
				u    url.URL
				vals = make([]string, 16)
			)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				n, err := s.scan(in, DefaultMaxRequestLineBytes, DefaultMaxHeaderBytes)
				if n != len(in) || err != nil {
					b.Fatalf("scan = %d, %v", n, err)
				}
				u = url.URL{}
				h := head{u: &u, vals: vals[:s.fields]}
				if err := parseHead(&h, tc.head); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
