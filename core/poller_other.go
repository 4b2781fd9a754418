//go:build !linux

package core

import (
	"errors"
	"time"
)

// errNoHibernation: hibernation needs epoll, so far.
var errNoHibernation = errors.New("ace: hibernation is supported on linux only")

// poller is not available here: newPoller always fails, and servers keep
// their goroutine while idle.
type poller struct{}

func newPoller(time.Duration, func()) (*poller, error) { return nil, errNoHibernation }

func (*poller) run()                {}
func (*poller) watch(*Server) error { return errNoHibernation }
func (*poller) unwatch(*Server)     {}
func (*poller) close()              {}
