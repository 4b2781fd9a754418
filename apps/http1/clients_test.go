package http1_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ace-go/ace/apps/http1"
)

// clientMux is what the real-client tests talk to.
func clientMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "Hello, World!")
	})
	mux.HandleFunc("/proto", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, r.Body)
	})
	// /sum answers the SHA-256 of the body, its length, and how it was
	// framed.
	mux.HandleFunc("/sum", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http1.StatusOf(err))
			return
		}
		fmt.Fprintf(w, "%x %d %s", h.Sum(nil), n, strings.Join(r.TransferEncoding, ","))
	})
	return mux
}

func sum(b []byte, te string) string {
	s := sha256.Sum256(b)
	return fmt.Sprintf("%s %d %s", hex.EncodeToString(s[:]), len(b), te)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestGoClient talks to the server with net/http's client: keep-alive
// reuse, a chunked streaming upload and Expect: 100-continue.
func TestGoClient(t *testing.T) {
	url := "http://" + serve(t, clientMux(), http1.Config{})
	tr := &http.Transport{ExpectContinueTimeout: testTimeout}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: testTimeout}

	var reused []bool
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		reused = append(reused, info.Reused)
	}}
	ctx := httptrace.WithClientTrace(context.Background(), trace)
	for range 3 {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/hello", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || string(b) != "Hello, World!" {
			t.Fatalf("got %q, %v", b, err)
		}
	}
	if fmt.Sprint(reused) != "[false true true]" {
		t.Errorf("connection reuse %v, want [false true true]", reused)
	}

	// A body of unknown length goes chunked, streamed through a pipe.
	data := randomBytes(3 << 20)
	pr, pw := io.Pipe()
	go func() {
		for b := data; len(b) > 0; {
			n := min(len(b), 100_000)
			if _, err := pw.Write(b[:n]); err != nil {
				return
			}
			b = b[n:]
		}
		_ = pw.Close()
	}()
	resp, err := client.Post(url+"/sum", "application/octet-stream", pr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if want := sum(data, "chunked"); string(b) != want {
		t.Errorf("chunked upload: %q, want %q", b, want)
	}

	// Expect: 100-continue: the client sends the body when told to.
	var got100 bool
	ctx = httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		Got100Continue: func() { got100 = true },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url+"/sum", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Expect", "100-continue")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if want := sum(data, ""); string(b) != want || !got100 {
		t.Errorf("100-continue upload: %q (100 received: %v), want %q", b, got100, want)
	}
}

// needTool skips the test when the program name is not installed, or
// fails it when ACE_REQUIRE_TOOLS=1, as under CI: .ci/run installs curl
// and python3.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("ACE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is not installed, and ACE_REQUIRE_TOOLS=1: %v", name, err)
		}
		t.Skipf("%s is not installed: %v", name, err)
	}
}

// command runs a real client, which needTool requires.
func command(t *testing.T, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	needTool(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, errOut.String())
	}
	return out.String(), errOut.String()
}

// TestCurl talks to the server with curl.
func TestCurl(t *testing.T) {
	url := "http://" + serve(t, clientMux(), http1.Config{})
	curl := func(args ...string) (string, string) {
		t.Helper()
		return command(t, "curl", append([]string{"-sS", "--max-time", "10"}, args...)...)
	}
	file := filepath.Join(t.TempDir(), "upload")
	data := randomBytes(1 << 20)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}

	out, errOut := curl("-v", url+"/hello", url+"/hello")
	if out != "Hello, World!Hello, World!" {
		t.Errorf("two GETs: %q", out)
	}
	if !regexp.MustCompile(`(?i)re-?using existing connection`).MatchString(errOut) {
		t.Errorf("curl did not reuse the connection:\n%s", errOut)
	}

	out, errOut = curl("-v", "--http1.0", url+"/proto")
	if out != "HTTP/1.0" || !strings.Contains(strings.ToLower(errOut), "< connection: close") {
		t.Errorf("--http1.0: %q\n%s", out, errOut)
	}

	out, _ = curl("-H", "Transfer-Encoding: chunked", "--data-binary", "@"+file, url+"/sum")
	if want := sum(data, "chunked"); out != want {
		t.Errorf("chunked upload: %q, want %q", out, want)
	}

	out, errOut = curl("-v", "-H", "Expect: 100-continue", "--data-binary", "@"+file, url+"/sum")
	if want := sum(data, ""); out != want || !strings.Contains(errOut, "HTTP/1.1 100 Continue") {
		t.Errorf("100-continue upload: %q, want %q\n%s", out, want, errOut)
	}

	out, _ = curl("-I", url+"/hello")
	if !strings.HasPrefix(out, "HTTP/1.1 200 OK\r\n") || !strings.Contains(out, "Content-Length: 13\r\n") {
		t.Errorf("HEAD: %q", out)
	}
}

// pythonClient is the script TestPython runs with Python's http.client.
const pythonClient = `
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=10)
out = []
c.request("GET", "/hello")
r = c.getresponse()
out.append("%d %s" % (r.status, r.read().decode()))
first = c.sock
c.request("POST", "/echo", body=b"python body")
r = c.getresponse()
out.append("%d %s" % (r.status, r.read().decode()))
c.request("POST", "/sum", body=iter([b"chunk1", b"chunk2"]), encode_chunked=True)
r = c.getresponse()
out.append("%d %s" % (r.status, r.read().decode()))
c.request("HEAD", "/hello")
r = c.getresponse()
out.append("%d %s %r" % (r.status, r.getheader("Content-Length"), r.read()))
out.append("reused" if c.sock is first else "new connection")
print("\n".join(out))
`

// TestPython talks to the server with Python's http.client.
func TestPython(t *testing.T) {
	addr := serve(t, clientMux(), http1.Config{})
	host, port, _ := strings.Cut(addr, ":")
	out, _ := command(t, "python3", "-c", pythonClient, host, port)
	want := strings.Join([]string{
		"200 Hello, World!",
		"200 python body",
		"200 " + sum([]byte("chunk1chunk2"), "chunked"),
		"200 13 b''",
		"reused",
	}, "\n") + "\n"
	if out != want {
		t.Errorf("python3 said:\n%s\nwant:\n%s", out, want)
	}
}
