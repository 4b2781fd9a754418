package conformance_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ace-go/ace/conformance"
	"github.com/ace-go/ace/conformance/memory"
	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/tcp"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// memoryNet makes memory listeners with unique names and dials them by
// address.
type memoryNet struct {
	n         atomic.Int64
	listeners sync.Map // name -> *memory.Listener
	wrap      func(*memory.Listener) core.Listener
	wrapDial  func(net.Conn) net.Conn
}

func (m *memoryNet) listen(context.Context) (core.Listener, error) {
	ln := memory.Listen(fmt.Sprintf("mem-%d", m.n.Add(1)))
	m.listeners.Store(ln.Addr().String(), ln)
	if m.wrap != nil {
		return m.wrap(ln), nil
	}
	return ln, nil
}

func (m *memoryNet) dial(ctx context.Context, addr net.Addr) (net.Conn, error) {
	ln, ok := m.listeners.Load(addr.String())
	if !ok {
		return nil, fmt.Errorf("no memory listener %q", addr)
	}
	c, err := ln.(*memory.Listener).Dial(ctx)
	if err == nil && m.wrapDial != nil {
		c = m.wrapDial(c)
	}
	return c, err
}

func memoryHarness() conformance.Harness {
	m := &memoryNet{}
	return conformance.Harness{
		Name:        "memory",
		Transport:   memory.Network,
		Listen:      m.listen,
		Dial:        m.dial,
		NoHalfClose: true, // net.Pipe cannot half-close
	}
}

func TestMemory(t *testing.T) {
	conformance.Run(t, memoryHarness())
}

// dialNet dials addr with package net, on the network the address names.
func dialNet(ctx context.Context, addr net.Addr) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, addr.Network(), addr.String())
}

// tcpHarness runs the suite on TCP with servers configured by cfg.
func tcpHarness(name string, cfg core.Config) conformance.Harness {
	return conformance.Harness{
		Name:      name,
		Transport: "tcp",
		Listen: func(ctx context.Context) (core.Listener, error) {
			return tcp.Listen(ctx, "127.0.0.1:0")
		},
		Dial:   dialNet,
		Config: cfg,
	}
}

func TestTCP(t *testing.T) {
	conformance.Run(t, tcpHarness("tcp", core.Config{}))
}

// TestTCPHibernating runs the suite with servers that hibernate as soon as
// their connection has been idle for a millisecond, so that some waits of the
// suite find a hibernating server: the rules hold the same.
func TestTCPHibernating(t *testing.T) {
	conformance.Run(t, tcpHarness("tcp, hibernating", core.Config{HibernateAfter: time.Millisecond}))
}

// TestTCPEventLoop runs the suite with core.Config.EventLoop: the endpoint
// rules' connections are served by event loops, and hold the same. The
// server rules run on standalone servers, which have no loops; core's tests
// check those on loops (TestEventLoop*), and so does apps/echo's loop pass.
func TestTCPEventLoop(t *testing.T) {
	conformance.Run(t, tcpHarness("tcp, event loop", core.Config{EventLoop: true}))
}

func TestUnix(t *testing.T) {
	conformance.Run(t, unixHarness(t, "unix", core.Config{}))
}

// TestUnixEventLoop is TestUnix with event loops.
func TestUnixEventLoop(t *testing.T) {
	conformance.Run(t, unixHarness(t, "unix, event loop", core.Config{EventLoop: true}))
}

// unixHarness runs the suite on Unix sockets in a directory of t's with
// servers configured by cfg.
func unixHarness(t *testing.T, name string, cfg core.Config) conformance.Harness {
	dir := t.TempDir()
	var n atomic.Int64
	return conformance.Harness{
		Name:      name,
		Transport: "unix",
		Listen: func(ctx context.Context) (core.Listener, error) {
			path := filepath.Join(dir, fmt.Sprintf("s%d", n.Add(1)))
			return tcp.Listen(ctx, "unix:"+path)
		},
		Dial:   dialNet,
		Config: cfg,
	}
}
