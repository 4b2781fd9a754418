package core_test

import (
	"bytes"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ace-go/ace/core"
)

// flood is more than the socket buffers of a client that does not read can
// take, so that writing it blocks until the write deadline.
var flood = bytes.Repeat([]byte("x"), 16<<20)

// stall shrinks the client's receive buffer, so that a flood blocks soon.
func stall(t *testing.T, c *client) {
	t.Helper()
	require.NoError(t, c.Conn.(*net.TCPConn).SetReadBuffer(16<<10))
}

// TestWriteTimeout checks that a write to a client that does not read fails
// once the write timeout passes, whether it comes from Config.WriteTimeout
// or from Server.SetWriteTimeout, for actions and Server.Write alike.
func TestWriteTimeout(t *testing.T) {
	const timeout = 100 * time.Millisecond
	for _, tc := range []struct {
		name    string
		cfg     core.Config
		connect func(s *core.Server, info core.ConnInfo) core.Action
	}{
		{"config/action", core.Config{WriteTimeout: timeout}, func(*core.Server, core.ConnInfo) core.Action {
			return core.Send(flood)
		}},
		{"config/Write", core.Config{WriteTimeout: timeout}, func(s *core.Server, _ core.ConnInfo) core.Action {
			if _, err := s.Write(flood); err != nil {
				return core.Close()
			}
			return core.Continue()
		}},
		{"SetWriteTimeout", core.Config{}, func(s *core.Server, _ core.ConnInfo) core.Action {
			if err := s.SetWriteTimeout(timeout); err != nil {
				t.Errorf("SetWriteTimeout: %v", err)
			}
			return core.Send(flood)
		}},
		{"SetWriteTimeout/replaces config", core.Config{WriteTimeout: time.Hour}, func(s *core.Server, _ core.ConnInfo) core.Action {
			if err := s.SetWriteTimeout(timeout); err != nil {
				t.Errorf("SetWriteTimeout: %v", err)
			}
			return core.Send(flood)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProbe()
			p.connect = tc.connect
			s, ln := serve(t, newProbeApp(func() *probe { return p }), tc.cfg)
			c := dial(t, ln.Addr())
			stall(t, c)
			start := time.Now()
			_, _ = s.Accept(ctxWait(t))
			err := p.reason(t)
			if tc.name == "config/Write" {
				// Close after a failed Write: the reason is nil.
				require.NoError(t, err, "reason")
			} else {
				require.ErrorIs(t, err, os.ErrDeadlineExceeded, "reason")
			}
			if d := time.Since(start); d < timeout-timeout/8 {
				t.Fatalf("the write failed after %v, before the %v timeout", d, timeout)
			}
		})
	}
}

// TestWriteTimeoutRenewed checks that the write timeout bounds each write,
// not the connection: a client that reads keeps its connection for many
// times the timeout, although the deadline moves lazily.
func TestWriteTimeoutRenewed(t *testing.T) {
	const timeout = 60 * time.Millisecond
	p := newProbe() // echoes
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{WriteTimeout: timeout})
	c := dial(t, ln.Addr())
	_, _ = s.Accept(ctxWait(t))
	c.echoPaced(10, timeout/3) // 180ms: 3 times the timeout
	_ = c.Close()
	require.ErrorIs(t, p.reason(t), io.EOF, "reason")
}

// TestSetWriteDeadline checks that a deadline set with SetWriteDeadline
// replaces the write timeout: the write fails at it, not at the timeout,
// and SetWriteTimeout brings the timeout back.
func TestSetWriteDeadline(t *testing.T) {
	const timeout = 50 * time.Millisecond
	p := newProbe()
	var dl time.Time
	p.connect = func(s *core.Server, _ core.ConnInfo) core.Action {
		dl = time.Now().Add(4 * timeout)
		if err := s.SetWriteDeadline(dl); err != nil {
			t.Errorf("SetWriteDeadline: %v", err)
		}
		return core.Send(flood)
	}
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{WriteTimeout: timeout})
	c := dial(t, ln.Addr())
	stall(t, c)
	_, _ = s.Accept(ctxWait(t))
	require.ErrorIs(t, p.reason(t), os.ErrDeadlineExceeded, "reason")
	if early := time.Until(dl); early > 0 {
		t.Fatalf("the write failed %v before the deadline set, at the timeout", early)
	}
}

// TestSetWriteTimeoutNone checks that SetWriteTimeout(0) lifts the endpoint's
// write timeout for its connection: a client that stalls for many times that
// timeout still receives the whole flood.
func TestSetWriteTimeoutNone(t *testing.T) {
	const timeout = 50 * time.Millisecond
	p := newProbe()
	p.connect = func(s *core.Server, _ core.ConnInfo) core.Action {
		if err := s.SetWriteTimeout(0); err != nil {
			t.Errorf("SetWriteTimeout: %v", err)
		}
		return core.Send(flood)
	}
	s, ln := serve(t, newProbeApp(func() *probe { return p }), core.Config{WriteTimeout: timeout})
	c := dial(t, ln.Addr())
	stall(t, c)
	_, _ = s.Accept(ctxWait(t))
	select {
	case err := <-p.disconnect:
		t.Fatalf("disconnected (%v) while the client stalled, with no write timeout", err)
	case <-time.After(6 * timeout):
	}
	require.NoError(t, c.SetReadDeadline(time.Now().Add(wait)))
	got, err := io.ReadFull(c, make([]byte, len(flood)))
	require.NoError(t, err, "read %d of %d bytes", got, len(flood))
	require.NoError(t, c.Close())
	assert.ErrorIs(t, p.reason(t), io.EOF)
}
