//go:build unix && !linux

package core

// canSeeEnd says that inputEnded works here: not on this system.
const canSeeEnd = false

func inputEnded(uintptr) (ended, known bool) { return false, false }
