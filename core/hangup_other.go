//go:build !unix

package core

// canPeek says that a watch can peek at a socket here: not on this system.
const canPeek = false

// canSeeEnd says that inputEnded works here: not on this system.
const canSeeEnd = false

// peekStep is never used here: no watch starts without canPeek.
func (w *hangupWatch) peekStep(uintptr) bool { return true }
