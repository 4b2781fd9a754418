package tcp

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
)

// Both connection types can hibernate: they read through a core.RawReader and
// expose its socket.
var (
	_ interface{ RawConn() syscall.RawConn } = (*Conn)(nil)
	_ interface{ RawConn() syscall.RawConn } = (*UnixConn)(nil)
)

type echoHandler struct{ core.BaseHandler }

func (echoHandler) Packet(data []byte) core.Action { return core.Send(data) }

// TestHibernate serves echo over TCP and over a Unix socket with servers that
// hibernate after 5ms idle, and checks that idle connections do hibernate
// and are served as before when they speak again.
func TestHibernate(t *testing.T) {
	for _, tc := range []struct{ name, addr string }{
		{"tcp", "127.0.0.1:0"},
		{"unix", "unix:" + filepath.Join(t.TempDir(), "s")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := Listen(context.Background(), tc.addr)
			if err != nil {
				t.Fatal(err)
			}
			app := core.AppFunc(func(core.ConnInfo) core.Handler { return echoHandler{} })
			e := core.Start(ln, app, core.Config{Acceptors: 1, HibernateAfter: 5 * time.Millisecond})
			defer e.Close()
			c, err := net.Dial(ln.Addr().Network(), ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			deadline := time.Now().Add(5 * time.Second)
			_ = c.SetDeadline(deadline)
			for i := range 3 {
				for e.Stats().Hibernating != 1 {
					if time.Now().After(deadline) {
						t.Fatalf("round %d: the connection did not hibernate: %+v", i, e.Stats())
					}
					time.Sleep(time.Millisecond) // polling a condition, under a deadline
				}
				msg := fmt.Sprintf("round %d", i)
				if _, err := io.WriteString(c, msg); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
					t.Fatalf("echo %q, %v; want %q", got, err, msg)
				}
			}
		})
	}
}
