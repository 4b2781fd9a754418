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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var helloBody = []byte("Hello, World!")

// helloHandler is the handler both servers run in the benchmark.
func helloHandler(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(helloBody) }

// watchedHelloHandler is helloHandler that first checks whether its
// request was cancelled, as a handler that passes r.Context() on does.
func watchedHelloHandler(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
		return
	default:
		_, _ = w.Write(helloBody)
	}
}

// serveNetHTTP serves h with net/http on a loopback port until the benchmark
// ends.
func serveNetHTTP(tb testing.TB, h http.Handler) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: http1.DefaultHeaderTimeout}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		_ = srv.Close()
		assert.ErrorIs(tb, <-done, http.ErrServerClosed, "net/http Serve")
	})
	return ln.Addr().String()
}

// BenchmarkServe compares this server with net/http's, in one run, serving
// the same handler over loopback: keep-alive connections, one per parallel
// client goroutine, each sending a GET and reading its 13-byte response, or,
// in the -pipelined rows, sending 16 GETs in one write and then reading
// their responses. The client allocates nothing per request, so allocs/op
// are the server's. An op is one request; it reports requests per second
// as req/s. The ace-reuse rows run with Config.ReuseRequests.
func BenchmarkServe(b *testing.B) {
	targets := []struct {
		name  string
		start func(testing.TB) string
	}{
		{"ace", func(tb testing.TB) string { return serve(tb, http.HandlerFunc(helloHandler), http1.Config{}) }},
		{"ace-reuse", func(tb testing.TB) string {
			return serve(tb, http.HandlerFunc(helloHandler), http1.Config{ReuseRequests: true})
		}},
		{"nethttp", func(tb testing.TB) string { return serveNetHTTP(tb, http.HandlerFunc(helloHandler)) }},
		// On connections read through a core.RawReader, as the TCP
		// transport's: without and with a handler that looks at its
		// context's Done, which starts the watch for the client's
		// hang-up (net/http watches for it on every request).
		{"ace-raw", func(tb testing.TB) string {
			return startRaw(tb, http.HandlerFunc(helloHandler), http1.Config{}).Addr().String()
		}},
		{"ace-raw-watched", func(tb testing.TB) string {
			return startRaw(tb, http.HandlerFunc(watchedHelloHandler), http1.Config{}).Addr().String()
		}},
	}
	req := []byte("GET /hello HTTP/1.1\r\nHost: bench\r\nUser-Agent: ace-bench\r\nAccept: */*\r\n\r\n")
	for _, depth := range []int{1, 16} {
		batch := bytes.Repeat(req, depth)
		for _, tg := range targets {
			name := tg.name
			if depth > 1 {
				name += "-pipelined"
			}
			b.Run(name, func(b *testing.B) {
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
					roundTrip := func(n int) error {
						if _, err := conn.Write(batch[:n*len(req)]); err != nil {
							return err
						}
						for range n {
							if err := readHello(br); err != nil {
								return err
							}
						}
						return nil
					}
					n := 0
					for pb.Next() {
						if n++; n == depth {
							if err := roundTrip(n); err != nil {
								b.Error(err)
								return
							}
							n = 0
						}
					}
					if n > 0 {
						if err := roundTrip(n); err != nil {
							b.Error(err)
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "req/s")
			})
		}
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

// TestServeAllocs holds the server's allocations per request to what the
// net/http API makes unavoidable: the request's Header map, and a share of
// a slab of the structs that each hold a *http.Request, its URL, its
// context and the values of its first header fields, and serve as its
// ResponseWriter and Body handles (testing.AllocsPerRun rounds down, so
// that share does not show); plus the string of the header
// section, which pipelined requests after the first share, and the
// Header's storage when the request has fields besides Host, and the
// storage of their values when they are more than a few. The client
// allocates nothing.
func TestServeAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts need a build without -race and a long run")
	}
	addr := serve(t, http.HandlerFunc(helloHandler), http1.Config{})
	reuseAddr := serve(t, http.HandlerFunc(helloHandler), http1.Config{ReuseRequests: true})
	const (
		hostOnly    = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
		twoFields   = "GET /hello HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n"
		eightFields = "GET /hello HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\n\r\n"
		withBody    = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
	)
	for _, tc := range []struct {
		name  string
		reuse bool
		req   string
		depth int     // requests sent together
		want  float64 // most allocations per request
	}{
		{"host only", false, hostOnly, 1, 2},
		{"two fields", false, twoFields, 1, 3},
		{"eight fields", false, eightFields, 1, 4},
		{"with a body", false, withBody, 1, 3},
		// Header maps, a string and two slabs for 16 requests.
		{"pipelined", false, hostOnly, 16, 1 + 4.0/16},
		// With ReuseRequests, only the header section's string.
		{"reuse/host only", true, hostOnly, 1, 1},
		{"reuse/two fields", true, twoFields, 1, 1},
		{"reuse/eight fields", true, eightFields, 1, 1},
		{"reuse/with a body", true, withBody, 1, 1},
		{"reuse/pipelined", true, hostOnly, 16, 2.0 / 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := addr
			if tc.reuse {
				addr = reuseAddr
			}
			conn, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer func() { _ = conn.Close() }()
			require.NoError(t, conn.SetDeadline(time.Now().Add(testTimeout)))
			req := bytes.Repeat([]byte(tc.req), tc.depth)
			br := bufio.NewReader(conn)
			roundTrip := func() {
				if _, err := conn.Write(req); err != nil {
					t.Fatal(err)
				}
				for range tc.depth {
					if err := readHello(br); err != nil {
						t.Fatal(err)
					}
				}
			}
			for range 100 {
				roundTrip() // warm up the pools
			}
			perRequest := testing.AllocsPerRun(1000, roundTrip) / float64(tc.depth)
			// A little slack for the runtime's and the Date cache's
			// own allocations, a few a second.
			if perRequest > tc.want+0.02 {
				t.Errorf("%.3f allocations per request, want at most %.3f", perRequest, tc.want)
			}
			t.Logf("%.3f allocations per request", perRequest)
		})
	}
}
