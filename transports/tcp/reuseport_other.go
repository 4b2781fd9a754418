//go:build !linux

package tcp

import "syscall"

// reusePortControl fails: this package supports SO_REUSEPORT only on Linux,
// where the kernel balances connections among the listeners that share a
// port. (The BSDs have an option of the same name that does not.)
func reusePortControl() (func(network, address string, c syscall.RawConn) error, error) {
	return nil, ErrReusePortUnsupported
}
