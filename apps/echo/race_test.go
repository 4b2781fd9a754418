//go:build race

package echo_test

// raceEnabled reports that the race detector is on; it changes what
// allocates, so allocation counts are not checked under it.
const raceEnabled = true
