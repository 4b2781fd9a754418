package tcp

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
)

// listenUnix listens on the Unix domain socket at path, first removing a
// stale socket file there. Package net removes the socket file when the
// listener is closed; a path starting with '@' names an abstract socket
// (Linux), which has no file.
func listenUnix(ctx context.Context, path string) (*Listener, error) {
	if path[0] != '@' {
		if err := removeStaleSocket(ctx, path); err != nil {
			return nil, err
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("tcp: %w", err)
	}
	return newListener(ln.(*net.UnixListener), false), nil
}

// removeStaleSocket removes the file at path if it is a socket on which
// nothing accepts connections, such as one left behind by a process that
// died. It leaves a live socket alone, so that binding fails with "address
// already in use", and it never removes a file that is not a socket: it
// returns an error wrapping ErrNotSocket instead.
//
// To tell a live socket from a stale one it connects to it: a live listener
// sees a connection that closes at once. Another process could bind the path
// between the check and the removal; whoever binds it last owns it, as with
// any shared path.
func removeStaleSocket(ctx context.Context, path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tcp: listen unix: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%w: %s", ErrNotSocket, path)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err == nil {
		// Someone is listening: leave it to bind to report the clash.
		_ = c.Close()
		return nil
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		// Not provably stale (a full backlog, say): leave it alone.
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("tcp: remove stale socket: %w", err)
	}
	return nil
}
