package http1_test

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ace-go/ace/apps/http1"
)

var helloBody = []byte("Hello, World!")

// helloHandler is the handler both servers run in the benchmark.
func helloHandler(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(helloBody) }

// serveNetHTTP serves h with net/http on a loopback port until the benchmark
// ends.
func serveNetHTTP(tb testing.TB, h http.Handler) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: http1.DefaultHeaderTimeout}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			tb.Errorf("net/http Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// BenchmarkServe compares this server with net/http's, in one run, serving
// the same handler over loopback: keep-alive connections, one per parallel
// client goroutine, each sending a GET and reading its 13-byte response. The
// client allocates nothing per request, so allocs/op are the server's. It
// reports requests per second as req/s.
func BenchmarkServe(b *testing.B) {
	targets := []struct {
		name  string
		start func(testing.TB) string
	}{
		{"ace", func(tb testing.TB) string { return serve(tb, http.HandlerFunc(helloHandler), http1.Config{}) }},
		{"nethttp", func(tb testing.TB) string { return serveNetHTTP(tb, http.HandlerFunc(helloHandler)) }},
	}
	req := []byte("GET /hello HTTP/1.1\r\nHost: bench\r\nUser-Agent: ace-bench\r\nAccept: */*\r\n\r\n")
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			addr := tg.start(b)
			b.ReportAllocs()
			b.ResetTimer()
			began := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					b.Error(err)
					return
				}
				defer func() { _ = conn.Close() }()
				br := bufio.NewReader(conn)
				for pb.Next() {
					if _, err := conn.Write(req); err != nil {
						b.Error(err)
						return
					}
					if err := readHello(br); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "req/s")
		})
	}
}

// readHello reads one response and checks it is a 200 with the hello body,
// without allocating.
func readHello(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return errors.New("bad status line: " + string(line))
	}
	length := -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if name, value, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(value)))
		}
	}
	if length != len(helloBody) {
		return errors.New("bad Content-Length " + strconv.Itoa(length))
	}
	body, err := br.Peek(length)
	if err != nil {
		return err
	}
	if !bytes.Equal(body, helloBody) {
		return errors.New("bad body " + string(body))
	}
	_, err = br.Discard(length)
	return err
}
