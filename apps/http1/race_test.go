//go:build race

package http1_test

// raceEnabled reports whether the race detector is on; it makes some
// values escape, so allocation counts mean nothing under it.
const raceEnabled = true
