package serve

import (
	"net"
	"sync/atomic"

	"github.com/ace-go/ace/core"
)

// Endpoint adapts an Ace endpoint to [Server].
type Endpoint struct {
	*core.Endpoint
}

// Accepted reports the endpoint's count of accepted connections.
func (e Endpoint) Accepted() uint64 { return e.Stats().Accepted }

// Listener counts the connections accepted through it, for the servers
// built on a net.Listener.
type Listener struct {
	net.Listener
	n atomic.Uint64
}

// Accept accepts a connection and counts it.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// Accepted reports how many connections were accepted.
func (l *Listener) Accepted() uint64 { return l.n.Load() }
