package tcp

import (
	"fmt"
	"syscall"
)

// reusePortControl returns a net.ListenConfig.Control function that sets
// SO_REUSEPORT on the socket before it is bound.
func reusePortControl() (func(network, address string, c syscall.RawConn) error, error) {
	return setReusePort, nil
}

func setReusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1)
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("set SO_REUSEPORT: %w", serr)
	}
	return nil
}
