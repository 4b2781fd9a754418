package http1

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// MaxDemoLines bounds the lines the demo's /stream writes.
const MaxDemoLines = 100_000

// Demo returns the handler that `ace serve http1` serves:
//
//   - GET / answers a short greeting;
//   - /echo answers any method with the request body as its body;
//   - GET /stream?n=N writes N lines (default 10, at most MaxDemoLines),
//     flushing after each;
//   - GET /files/ serves the directory root with http.FileServer, when root
//     is not empty.
func Demo(root string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "Hello from ace http1!\n")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		if _, err := io.Copy(w, r.Body); err != nil {
			if code := StatusOf(err); code != 0 {
				http.Error(w, err.Error(), code)
			}
		}
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		n := 10
		if s := r.URL.Query().Get("n"); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 || v > MaxDemoLines {
				http.Error(w, fmt.Sprintf("n must be a number from 0 to %d", MaxDemoLines), http.StatusBadRequest)
				return
			}
			n = v
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rc := http.NewResponseController(w)
		for i := 1; i <= n; i++ {
			if _, err := fmt.Fprintf(w, "line %d\n", i); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	})
	if root != "" {
		mux.Handle("GET /files/", http.StripPrefix("/files/", http.FileServer(http.Dir(root))))
	}
	return mux
}
