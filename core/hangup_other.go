//go:build !unix

package core

import (
	"errors"
	"syscall"
)

// canPeek says that peekHangup works here: not on this system.
const canPeek = false

func peekHangup(syscall.RawConn) (bool, error) {
	return false, errors.ErrUnsupported
}
