package main

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/tcp"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestShout serves the README's app on a free port and talks to it.
func TestShout(t *testing.T) {
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return shout{} })
	ep, err := core.Listen(t.Context(), tcp.Transport{}, "127.0.0.1:0", app, core.Config{Framer: core.Lines(0)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := ep.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}()
	conn, err := net.Dial("tcp", ep.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	for _, step := range []struct{ send, want string }{
		{"", "SAY SOMETHING\n"},
		{"hello, ace\r\n", "HELLO, ACE\n"},
		{"again\n", "AGAIN\n"},
	} {
		if step.send != "" {
			if _, err := conn.Write([]byte(step.send)); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := r.ReadString('\n'); got != step.want || err != nil {
			t.Fatalf("after %q: got %q, %v; want %q", step.send, got, err, step.want)
		}
	}
}
