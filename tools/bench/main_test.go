package bench

import (
	"fmt"
	"io"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/ace-go/ace/tools/bench/internal/plainecho"
	"github.com/ace-go/ace/tools/bench/internal/serve"
	"github.com/stretchr/testify/require"
)

// testServerEnv, when set in the environment, makes the test binary run as a
// server program instead of running tests: the tests of Process and
// MeasureIdle start it, so that they need not build anything.
const testServerEnv = "BENCH_TEST_SERVER"

func TestMain(m *testing.M) {
	switch os.Getenv(testServerEnv) {
	case "":
	case "echo":
		serve.Main("test-echo", plainecho.Start) // exits
	case "mute":
		// Prints something other than its address, then waits for
		// its input to end.
		fmt.Println("hello")
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	default:
		os.Exit(2)
	}
	goleak.VerifyTestMain(m)
}

// startTestServer starts the test binary as the server program kind.
func startTestServer(t *testing.T, kind string) (*Process, error) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	t.Setenv(testServerEnv, kind)
	return StartServer(t.Context(), "test-"+kind, exe, "-port", "0")
}
