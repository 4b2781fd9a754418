package http1

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDate checks that the cached Date is the current second's, and that it
// moves on when the second ends.
func TestDate(t *testing.T) {
	t.Parallel()
	check := func(date string) time.Time {
		t.Helper()
		d, err := http.ParseTime(date)
		require.NoError(t, err, "Date %q", date)
		// The clock may be read a moment after the Date was formatted,
		// or, at a second's end, before the timer replaced it.
		if age := time.Since(d); age < 0 || age > time.Second+100*time.Millisecond {
			t.Fatalf("Date %q is %v old", date, age)
		}
		return d
	}
	first := check(string(appendDate(nil)))
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(3 * time.Second)
	for {
		if d := check(string(appendDate(nil))); d.After(first) {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("the Date did not move on within 3s")
		}
	}
}
