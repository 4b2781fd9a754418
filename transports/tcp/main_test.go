package tcp

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// patience bounds every wait in these tests: long enough never to fail on a
// loaded machine, short enough to fail fast when something hangs.
const patience = 5 * time.Second

// listen listens on addr with tr, closing the listener when the test ends.
func listen(t testing.TB, tr Transport, addr string) *Listener {
	t.Helper()
	l, err := tr.ListenTCP(context.Background(), addr)
	require.NoError(t, err, "listen %s", addr)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// dial connects to l, closing the connection when the test ends.
func dial(t testing.TB, l *Listener) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: patience}
	c, err := d.Dial(l.Addr().Network(), l.Addr().String())
	require.NoError(t, err, "dial %s", l.Addr())
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// accept accepts one connection from l within patience, closing it when the
// test ends.
func accept(t testing.TB, l *Listener) core.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	c, err := l.Accept(ctx)
	require.NoError(t, err, "accept")
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// pair returns the two ends of a connection through l: the accepted one and
// the dialed one.
func pair(t testing.TB, l *Listener) (server core.Conn, client net.Conn) {
	t.Helper()
	client = dial(t, l)
	return accept(t, l), client
}

// sockAddr returns a "unix:" address in a fresh directory. It avoids
// t.TempDir, whose long names can exceed the 108 bytes of a socket path.
func sockAddr(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "acetcp")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return unixPrefix + filepath.Join(dir, "s.sock")
}

// network is a kind of address to run a test on.
type network struct{ name, addr string }

// networks returns one TCP and one Unix address.
func networks(t testing.TB) []network {
	return []network{{"tcp", "127.0.0.1:0"}, {"unix", sockAddr(t)}}
}
