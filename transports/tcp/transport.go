package tcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/ace-go/ace/core"
)

// Sentinel errors returned by Listen. Compare with errors.Is.
var (
	// ErrInvalidAddress is returned for an address that is neither
	// "host:port" nor "unix:" followed by a path.
	ErrInvalidAddress = errors.New("tcp: invalid address")

	// ErrNotSocket is returned when a Unix socket path is taken by a file
	// that is not a socket. Listen never removes such a file.
	ErrNotSocket = errors.New("tcp: file exists and is not a socket")

	// ErrReusePortUnsupported is returned when Transport.ReusePort is set
	// on a system where this package does not support SO_REUSEPORT (any
	// but Linux).
	ErrReusePortUnsupported = errors.New("tcp: SO_REUSEPORT is supported only on linux")
)

// unixPrefix marks an address as a Unix domain socket path.
const unixPrefix = "unix:"

// Transport listens on TCP and Unix domain sockets. It implements
// [core.Transport].
//
// The zero Transport is ready to use and listens as package net does: TCP
// keep-alive on with Go's defaults, TCP_NODELAY set, no SO_REUSEPORT. A
// Transport holds only configuration, so one value can listen many times.
type Transport struct {
	// ReusePort sets SO_REUSEPORT on TCP listening sockets, so that several
	// listeners, in this process or in others, can bind the same address
	// and port; the kernel then spreads new connections among them. It is
	// supported on Linux only: elsewhere Listen fails with
	// ErrReusePortUnsupported. It is ignored for Unix sockets.
	ReusePort bool

	// KeepAlive configures TCP keep-alive probes on accepted connections.
	// Zero enables them with Go's defaults (the first probe after 15s of
	// idleness, then one every 15s, up to 9); a positive period d enables
	// them with the first probe after d of idleness and then one every d;
	// a negative value disables them. It is ignored for Unix sockets.
	KeepAlive time.Duration

	// Nagle turns Nagle's algorithm back on for accepted TCP connections,
	// by clearing TCP_NODELAY. By default TCP_NODELAY is set, as package
	// net does, so that a small write leaves at once: ace already sends
	// each action's slices together in one vectored write, so Nagle's
	// algorithm mostly adds latency. It is ignored for Unix sockets.
	Nagle bool
}

var _ core.Transport = Transport{}

// Listen binds addr, "host:port" or "unix:/path", and returns a listener
// (rule T1). It implements [core.Transport]; ListenTCP returns the concrete
// type. ctx bounds only the setting up of the listener, not its life.
func (t Transport) Listen(ctx context.Context, addr string) (core.Listener, error) {
	ln, err := t.ListenTCP(ctx, addr)
	if err != nil {
		return nil, err
	}
	return ln, nil
}

// ListenTCP is Listen returning the concrete [*Listener], for TCP and Unix
// addresses alike. Port 0 asks the system for a free port, which
// Listener.Addr reports. For a Unix path, a stale socket file is replaced;
// see the package documentation.
func (t Transport) ListenTCP(ctx context.Context, addr string) (*Listener, error) {
	network, address, err := splitAddr(addr)
	if err != nil {
		return nil, err
	}
	if network == "unix" {
		return listenUnix(ctx, address)
	}
	return t.listenTCP(ctx, address)
}

// Listen listens on addr with the zero [Transport].
func Listen(ctx context.Context, addr string) (*Listener, error) {
	return Transport{}.ListenTCP(ctx, addr)
}

func (t Transport) listenTCP(ctx context.Context, address string) (*Listener, error) {
	var lc net.ListenConfig
	switch {
	case t.KeepAlive > 0:
		lc.KeepAliveConfig = net.KeepAliveConfig{
			Enable:   true,
			Idle:     t.KeepAlive,
			Interval: t.KeepAlive,
		}
	default:
		// Zero selects Go's defaults, a negative value disables.
		lc.KeepAlive = t.KeepAlive
	}
	if t.ReusePort {
		control, err := reusePortControl()
		if err != nil {
			return nil, err
		}
		lc.Control = control
	}
	ln, err := lc.Listen(ctx, "tcp", address)
	if err != nil {
		return nil, fmt.Errorf("tcp: %w", err)
	}
	return newListener(ln.(*net.TCPListener), t.Nagle), nil
}

// splitAddr turns an ace address into package net's network and address:
// "unix:/path" is ("unix", "/path") and "host:port" is ("tcp", "host:port").
func splitAddr(addr string) (network, address string, err error) {
	if path, ok := strings.CutPrefix(addr, unixPrefix); ok {
		if path == "" {
			return "", "", fmt.Errorf("%w %q: empty socket path", ErrInvalidAddress, addr)
		}
		return "unix", path, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", "", fmt.Errorf("%w %q: %w", ErrInvalidAddress, addr, err)
	}
	return "tcp", addr, nil
}
