package bench

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGoEnv checks that the report names the Go runtime settings that the
// environment gives every server, and only those.
func TestGoEnv(t *testing.T) {
	for _, k := range goEnvVars {
		if v, ok := os.LookupEnv(k); ok {
			t.Setenv(k, v) // restored after the test
			require.NoError(t, os.Unsetenv(k))
		}
	}
	assert.Empty(t, goEnv(), "goEnv() with none set")
	t.Setenv("GODEBUG", "gctrace=1")
	t.Setenv("GOGC", "400")
	t.Setenv("GOFLAGS", "-mod=mod") // not the runtime's
	assert.Equal(t, []string{"GOGC=400", "GODEBUG=gctrace=1"}, goEnv(), "goEnv()")
}
