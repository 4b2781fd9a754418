package tcp

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

// socketPath returns the file path of a "unix:" address.
func socketPath(addr string) string { return strings.TrimPrefix(addr, unixPrefix) }

// isSocket reports whether path is a socket file.
func isSocket(t *testing.T, path string) bool {
	t.Helper()
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Type() == fs.ModeSocket
}

func TestUnixCloseRemovesFile(t *testing.T) {
	addr := sockAddr(t)
	l := listen(t, Transport{}, addr)
	if !isSocket(t, socketPath(addr)) {
		t.Fatalf("no socket file at %s while listening", socketPath(addr))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(socketPath(addr)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file still there after Close: %v", err)
	}
}

// TestUnixReplacesStaleSocket: a socket file left behind by a listener that
// is gone is replaced.
func TestUnixReplacesStaleSocket(t *testing.T) {
	addr := sockAddr(t)
	path := socketPath(addr)
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	old.SetUnlinkOnClose(false) // as if its process had died
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	if !isSocket(t, path) {
		t.Fatal("setup: no stale socket file")
	}

	l := listen(t, Transport{}, addr)
	pair(t, l)
}

// TestUnixKeepsLiveSocket: a socket file on which a listener accepts is left
// alone, and Listen fails as bind does, with EADDRINUSE.
func TestUnixKeepsLiveSocket(t *testing.T) {
	addr := sockAddr(t)
	live := listen(t, Transport{}, addr)
	if _, err := Listen(context.Background(), addr); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Listen on a live socket = %v, want EADDRINUSE", err)
	}
	if !isSocket(t, socketPath(addr)) {
		t.Fatal("the live socket file was removed")
	}
	// The live listener still serves: first the probe Listen made, then a
	// client of its own.
	accept(t, live)
	pair(t, live)
}

// TestUnixRefusesNonSocket: Listen never deletes a file that is not a
// socket.
func TestUnixRefusesNonSocket(t *testing.T) {
	for _, kind := range []string{"file", "dir", "symlink"} {
		t.Run(kind, func(t *testing.T) {
			addr := sockAddr(t)
			path := socketPath(addr)
			var err error
			switch kind {
			case "file":
				err = os.WriteFile(path, []byte("precious"), 0o600)
			case "dir":
				err = os.Mkdir(path, 0o700)
			case "symlink":
				err = os.Symlink(os.DevNull, path)
			}
			if err != nil {
				t.Fatal(err)
			}
			before, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			ln, err := Listen(context.Background(), addr)
			if err == nil {
				_ = ln.Close()
				t.Fatal("Listen succeeded over a file that is not a socket")
			}
			if !errors.Is(err, ErrNotSocket) || !strings.Contains(err.Error(), path) {
				t.Errorf("Listen = %v, want ErrNotSocket naming %s", err, path)
			}
			after, err := os.Lstat(path)
			if err != nil || !os.SameFile(before, after) || after.ModTime() != before.ModTime() {
				t.Errorf("the %s at %s was touched: %v", kind, path, err)
			}
		})
	}
}
