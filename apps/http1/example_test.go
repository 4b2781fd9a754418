package http1_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/ace-go/ace/apps/http1"
	"github.com/ace-go/ace/core"
)

// Serve an http.ServeMux, with its method and wildcard patterns, on an ace
// endpoint. A real program gets its listener from a transport, for example
// tcp.Transport{}.Listen; this example uses the tests' loopback listener.
func Example() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Hello, %s!", r.PathValue("name"))
	})
	app := http1.New(mux, http1.Config{IdleTimeout: 30 * time.Second})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ep := core.Start(loopbackListener{TCPListener: ln.(*net.TCPListener)}, app, core.Config{})

	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Get("http://" + ep.Addr().String() + "/hello/ace")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	fmt.Println(resp.Status, string(body))

	client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ep.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	// Output: 200 OK Hello, ace!
}

// Serve a handler that keeps nothing of its requests past its return with
// ReuseRequests: the server then reuses each *http.Request, with its header
// map, URL and context, and allocates almost nothing per request. Strings
// taken from the request stay valid, so the handler may keep the path.
func ExampleConfig_reuseRequests() {
	var last string // the path of the last request: a string may be kept
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		last = r.URL.Path
		fmt.Fprintf(w, "%s from %s", r.URL.Path, r.Header.Get("User-Agent"))
	})
	app := http1.New(h, http1.Config{ReuseRequests: true})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ep := core.Start(loopbackListener{TCPListener: ln.(*net.TCPListener)}, app, core.Config{})
	defer func() { _ = ep.Close() }()

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for _, path := range []string{"/a", "/b"} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+ep.Addr().String()+path, nil)
		req.Header.Set("User-Agent", "example")
		resp, err := client.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		fmt.Println(string(body))
	}
	fmt.Println("last:", last)
	// Output:
	// /a from example
	// /b from example
	// last: /b
}
