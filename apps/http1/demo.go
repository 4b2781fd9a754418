package http1

import (
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
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
//     is not empty, except dot-files: a path with a name that starts with a
//     dot anywhere in it (/files/.git/config, /files/.env, /files/a/.b/c,
//     percent-encoded or not) gets 404, as if it did not exist, and
//     directory listings leave such names out. This keeps a root such as a
//     repository's checkout from serving its .git directory or .env files.
//     Other files are served whatever their name or type, so root should
//     hold only what may be published.
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
		mux.Handle("GET /files/", http.StripPrefix("/files/", http.FileServer(noDotFiles{http.Dir(root)})))
	}
	return mux
}

// noDotFiles is a file system that hides the names starting with a dot: it
// does not open them, or files under them, and leaves them out of directory
// listings.
type noDotFiles struct{ fs http.FileSystem }

// Open opens name, unless one of its elements starts with a dot. The
// file server calls it with the request's decoded, cleaned path, so
// percent-encoded dots are caught too.
func (d noDotFiles) Open(name string) (http.File, error) {
	if hasDotElem(name) {
		return nil, fs.ErrNotExist
	}
	f, err := d.fs.Open(name)
	if err != nil {
		return nil, err
	}
	return noDotFile{f}, nil
}

// hasDotElem reports whether an element of the slash-separated name starts
// with a dot; "." and ".." count too.
func hasDotElem(name string) bool {
	for elem := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(elem, ".") {
			return true
		}
	}
	return false
}

// noDotFile is a file of noDotFiles: a directory's listing leaves out the
// names that start with a dot.
type noDotFile struct{ http.File }

// Readdir lists the directory without its dot-files. Like os.File's, with
// n > 0 it returns at most n entries, and io.EOF at the end.
func (f noDotFile) Readdir(n int) ([]fs.FileInfo, error) {
	for {
		infos, err := f.File.Readdir(n)
		kept := infos[:0]
		for _, fi := range infos {
			if !strings.HasPrefix(fi.Name(), ".") {
				kept = append(kept, fi)
			}
		}
		// With n > 0, an empty page that is not the end would read as
		// the end: read on.
		if n <= 0 || len(kept) > 0 || err != nil {
			return kept, err
		}
	}
}
