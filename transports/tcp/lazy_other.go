//go:build !unix

package tcp

import "syscall"

// lazy is empty where core.RawReader does not exist: servers then keep
// their read buffer while they wait.
type lazy struct{}

func newLazy(syscall.Conn) lazy { return lazy{} }
