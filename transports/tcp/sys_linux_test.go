package tcp

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// threadWrites returns how many write system calls (write, writev, sendmsg
// and the like) the calling thread has made, from /proc/thread-self/io.
func threadWrites(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/thread-self/io")
	if err != nil {
		t.Skipf("cannot count system calls: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "syscw: "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			require.NoError(t, err)
			return n
		}
	}
	t.Skip("no syscw in /proc/thread-self/io")
	return 0
}

// TestWritevSyscalls counts the system calls behind a net.Buffers write of
// three slices: one writev on our connections, three writes on a wrapper
// that hides them behind net.Conn. The goroutine is locked to its thread so
// that the thread's counter sees exactly its own calls.
func TestWritevSyscalls(t *testing.T) {
	for _, nw := range networks(t) {
		t.Run(nw.name, func(t *testing.T) {
			l := listen(t, Transport{}, nw.addr)
			server, client := pair(t, l)
			want := []byte("one two three")
			for _, tc := range []struct {
				name  string
				w     io.Writer
				calls int
			}{
				{"conn", server, 1},
				{"wrapper", struct{ net.Conn }{server}, 3},
			} {
				runtime.LockOSThread()
				before := threadWrites(t)
				bufs := net.Buffers{want[:4], want[4:8], want[8:]}
				_, err := bufs.WriteTo(tc.w)
				calls := threadWrites(t) - before
				runtime.UnlockOSThread()
				require.NoError(t, err)
				assert.Equal(t, tc.calls, calls, "%s: write system calls of net.Buffers.WriteTo of 3 slices", tc.name)
				got := make([]byte, len(want))
				_ = client.SetReadDeadline(time.Now().Add(patience))
				_, err = io.ReadFull(client, got)
				require.NoError(t, err, "client read")
				require.Equal(t, want, got, "client read")
			}
		})
	}
}

// TestAcceptTemporaryError makes accept fail with EMFILE, by lowering the
// file descriptor limit below the next free descriptor while a client
// waits, and checks that Accept returns the error, wrapped, rather than
// retrying it, and that the client is accepted once descriptors are back.
func TestAcceptTemporaryError(t *testing.T) {
	l := listen(t, Transport{}, "127.0.0.1:0")
	client := dial(t, l)

	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	// The lowest free descriptor: no new one fits under a limit at it.
	f, err := os.Open(os.DevNull)
	require.NoError(t, err)
	lowest := uint64(f.Fd())
	_ = f.Close()

	low := lim
	low.Cur = lowest
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skipf("cannot lower RLIMIT_NOFILE: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	c, err := l.Accept(ctx)
	cancel()
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim), "restore RLIMIT_NOFILE")
	if c != nil {
		_ = c.Close()
		t.Fatal("Accept succeeded with no file descriptor free")
	}
	require.ErrorIs(t, err, syscall.EMFILE, "Accept")
	require.True(t, strings.HasPrefix(err.Error(), "tcp: "), "Accept = %v, want a tcp: error", err)

	server := accept(t, l)
	assert.Equal(t, client.LocalAddr().String(), server.RemoteAddr().String(), "accepted the client that waited")
}

// TestUnixAbstract listens on a socket in Linux's abstract namespace, which
// has no file to check for or remove.
func TestUnixAbstract(t *testing.T) {
	addr := fmt.Sprintf("unix:@ace-tcp-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	l := listen(t, Transport{}, addr)
	server, _ := pair(t, l)
	assert.Equal(t, "unix", server.Info().Transport, "Transport")
	require.NoError(t, l.Close())
}
