package quictransport_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests: every quic-go
// goroutine ends once the connections and listeners that started it are
// closed, so no goleak option is needed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
