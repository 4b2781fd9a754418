package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ace-go/ace/core"
)

// handshakeListener hands out connections whose handshake reports the
// deadline of the context it is given.
type handshakeListener struct {
	*testListener
	deadlines chan time.Duration // 0 for a context without a deadline
}

func (l *handshakeListener) Accept(ctx context.Context) (core.Conn, error) {
	c, err := l.testListener.Accept(ctx)
	if err != nil {
		return nil, err
	}
	return &handshakeConn{Conn: c, deadlines: l.deadlines}, nil
}

type handshakeConn struct {
	core.Conn
	deadlines chan time.Duration
}

func (c *handshakeConn) HandshakeContext(ctx context.Context) error {
	var d time.Duration
	if dl, ok := ctx.Deadline(); ok {
		d = time.Until(dl)
	}
	c.deadlines <- d
	return nil
}

// TestHandshakeTimeout checks that Config.HandshakeTimeout bounds a
// transport's handshake, by default and when set, and that a negative one
// leaves it unbounded.
func TestHandshakeTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  time.Duration
		want time.Duration // 0: no deadline
	}{
		{"default", 0, core.DefaultHandshakeTimeout},
		{"set", time.Minute, time.Minute},
		{"none", -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln := &handshakeListener{testListener: listenTCP(t), deadlines: make(chan time.Duration, 1)}
			t.Cleanup(func() { _ = ln.Close() })
			s := core.NewServer(ln, newProbeApp(newProbe), core.Config{HandshakeTimeout: tc.cfg})
			t.Cleanup(func() {
				_ = s.Close()
				waitDone(t, s)
			})
			c := dial(t, ln.Addr())
			defer c.Close()
			_, err := s.Accept(ctxWait(t))
			require.NoError(t, err)
			select {
			case got := <-ln.deadlines:
				if tc.want == 0 {
					assert.Zero(t, got, "the handshake's context has a deadline")
				} else {
					assert.InDelta(t, tc.want, got, float64(time.Second))
				}
			case <-time.After(wait):
				t.Fatal("no handshake")
			}
		})
	}
}
