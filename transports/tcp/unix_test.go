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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, err)
	return fi.Mode().Type() == fs.ModeSocket
}

func TestUnixCloseRemovesFile(t *testing.T) {
	addr := sockAddr(t)
	l := listen(t, Transport{}, addr)
	require.True(t, isSocket(t, socketPath(addr)), "no socket file at %s while listening", socketPath(addr))
	require.NoError(t, l.Close())
	assert.NoFileExists(t, socketPath(addr), "socket file after Close")
}

// TestUnixReplacesStaleSocket: a socket file left behind by a listener that
// is gone is replaced.
func TestUnixReplacesStaleSocket(t *testing.T) {
	addr := sockAddr(t)
	path := socketPath(addr)
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	require.NoError(t, err)
	old.SetUnlinkOnClose(false) // as if its process had died
	require.NoError(t, old.Close())
	require.True(t, isSocket(t, path), "setup: no stale socket file")

	l := listen(t, Transport{}, addr)
	pair(t, l)
}

// TestUnixKeepsLiveSocket: a socket file on which a listener accepts is left
// alone, and Listen fails as bind does, with EADDRINUSE.
func TestUnixKeepsLiveSocket(t *testing.T) {
	addr := sockAddr(t)
	live := listen(t, Transport{}, addr)
	_, err := Listen(context.Background(), addr)
	require.ErrorIs(t, err, syscall.EADDRINUSE, "Listen on a live socket")
	require.True(t, isSocket(t, socketPath(addr)), "the live socket file was removed")
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
			require.NoError(t, err)
			before, err := os.Lstat(path)
			require.NoError(t, err)
			ln, err := Listen(context.Background(), addr)
			if err == nil {
				_ = ln.Close()
				t.Fatal("Listen succeeded over a file that is not a socket")
			}
			assert.ErrorIs(t, err, ErrNotSocket, "Listen")
			assert.ErrorContains(t, err, path, "Listen")
			after, err := os.Lstat(path)
			if err != nil || !os.SameFile(before, after) || after.ModTime() != before.ModTime() {
				t.Errorf("the %s at %s was touched: %v", kind, path, err)
			}
		})
	}
}
