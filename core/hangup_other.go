//go:build !unix

package core

import (
	"errors"
	"syscall"
)

// canPeek says that peekHangup works here: not on this system.
const canPeek = false

// canSeeEnd says that inputEnded works here: not on this system.
const canSeeEnd = false

func peekHangup(syscall.RawConn, bool) (bool, error) {
	return false, errors.ErrUnsupported
}

func (w *hangupWatch) peekStep(uintptr) bool { return true }
