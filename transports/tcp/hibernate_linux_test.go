package tcp

import (
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/stretchr/testify/require"
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
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return echoHandler{} })
	cfg := core.Config{Acceptors: 1, HibernateAfter: 5 * time.Millisecond}
	eachSocket(t, app, cfg, func(t *testing.T, e *core.Endpoint, c net.Conn) {
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
			_, err := io.WriteString(c, msg)
			require.NoError(t, err)
			got := make([]byte, len(msg))
			_, err = io.ReadFull(c, got)
			require.NoError(t, err, "echo")
			require.Equal(t, msg, string(got), "echo")
		}
	})
}
