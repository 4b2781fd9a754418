package core

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPeekHangup checks what a watch's peek step makes of a socket's input: for a
// connection whose bytes are the socket's, data means the peer is there
// and the end of the stream that it is gone; for an opaque one (TLS), data
// says nothing, and only the end of the stream, past the data, counts.
func TestPeekHangup(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opaque   bool
		data     bool // the peer sends a byte
		end      bool // then half-closes
		wantGone bool
		wantErr  error // os.ErrDeadlineExceeded: it waited on, as it must
	}{
		{"data", false, true, false, false, nil},
		{"data then end", false, true, true, false, nil},
		{"end", false, false, true, true, nil},
		{"opaque/data", true, true, false, false, os.ErrDeadlineExceeded},
		{"opaque/data then end", true, true, true, true, nil},
		{"opaque/end", true, false, true, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server, client := tcpPair(t)
			if tc.data {
				_, err := client.Write([]byte("x"))
				require.NoError(t, err)
			}
			if tc.end {
				require.NoError(t, client.CloseWrite())
			}
			// Whatever has not arrived yet, the peek waits for; the
			// deadline ends a peek that waits on, as the opaque one must
			// with data alone.
			_ = server.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			rc, err := server.SyscallConn()
			require.NoError(t, err)
			w := hangupWatch{opaque: tc.opaque}
			err = rc.Read(w.peekStep)
			if gone := w.gone; gone != tc.wantGone || !errors.Is(err, tc.wantErr) && (err != nil || tc.wantErr != nil) {
				t.Fatalf("peek: gone %t, %v; want %t, %v", gone, err, tc.wantGone, tc.wantErr)
			}
		})
	}
}

// tcpPair returns the two ends of a loopback TCP connection, closed when
// the test ends.
func tcpPair(t *testing.T) (server, client *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	s, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(); _ = s.Close() })
	return s.(*net.TCPConn), c.(*net.TCPConn)
}
