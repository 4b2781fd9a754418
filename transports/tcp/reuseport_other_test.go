//go:build !linux

package tcp

import (
	"context"
	"errors"
	"testing"
)

func TestReusePortUnsupported(t *testing.T) {
	ln, err := Transport{ReusePort: true}.Listen(context.Background(), "127.0.0.1:0")
	if !errors.Is(err, ErrReusePortUnsupported) || ln != nil {
		t.Fatalf("Listen with ReusePort = %v, %v; want ErrReusePortUnsupported", ln, err)
	}
}
