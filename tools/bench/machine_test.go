package bench

import (
	"os"
	"slices"
	"testing"
)

// TestGoEnv checks that the report names the Go runtime settings that the
// environment gives every server, and only those.
func TestGoEnv(t *testing.T) {
	for _, k := range goEnvVars {
		if v, ok := os.LookupEnv(k); ok {
			t.Setenv(k, v) // restored after the test
			if err := os.Unsetenv(k); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := goEnv(); len(got) != 0 {
		t.Errorf("goEnv() = %q with none set", got)
	}
	t.Setenv("GODEBUG", "gctrace=1")
	t.Setenv("GOGC", "400")
	t.Setenv("GOFLAGS", "-mod=mod") // not the runtime's
	if got, want := goEnv(), []string{"GOGC=400", "GODEBUG=gctrace=1"}; !slices.Equal(got, want) {
		t.Errorf("goEnv() = %q, want %q", got, want)
	}
}
