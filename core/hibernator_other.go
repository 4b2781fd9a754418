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
