//go:build !linux

package core

import (
	"errors"
	"time"
)

// errNoHibernation: hibernation needs epoll, so far.
var errNoHibernation = errors.New("ace: hibernation is supported on linux only")

// hibernator is not available here: newHibernator always fails, and servers
// keep their goroutine while idle.
type hibernator struct{}

func newHibernator(time.Duration, func()) (*hibernator, error) { return nil, errNoHibernation }

func (*hibernator) run()                {}
func (*hibernator) watch(*Server) error { return errNoHibernation }
func (*hibernator) unwatch(*Server)     {}
func (*hibernator) close()              {}

// Event loops need epoll too: newLoop always fails.
func newLoop(int) (*hibernator, error) { return nil, errNoHibernation }

func (*hibernator) lend() *[]byte                          { return getBuf(DefaultReadBufferSize) }
func (*hibernator) enqueue(*Server)                        {}
func (*hibernator) reclaim(p *[]byte)                      { putBuf(p) }
func (*hibernator) writeBufs(int32, [][]byte) (int, error) { return 0, errNoHibernation }
