package conformance_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/ace-go/ace/conformance"
	"github.com/ace-go/ace/core"
)

// lineEcho greets, echoes lines and, through BaseHandler, closes on
// Shutdown.
type lineEcho struct{ core.BaseHandler }

func (lineEcho) Connect(*core.Server, core.ConnInfo) core.Action {
	return core.Send([]byte("WELCOME\n"))
}

func (lineEcho) Packet(line []byte) core.Action {
	return core.Send([]byte("ECHO: "), line, []byte("\n"))
}

type lineEchoApp struct{}

func (lineEchoApp) NewHandler(core.ConnInfo) core.Handler { return lineEcho{} }

// Framer is found by RunApp as it is by core.
func (lineEchoApp) Framer() core.Framer { return core.Lines(0) }

// converse reads the greeting and checks one echo.
func converse(_ context.Context, conn net.Conn) error {
	r := bufio.NewReader(conn)
	if line, err := r.ReadString('\n'); err != nil || line != "WELCOME\n" {
		return fmt.Errorf("greeting %q, %v", line, err)
	}
	if _, err := fmt.Fprintln(conn, "hi"); err != nil {
		return err
	}
	if line, err := r.ReadString('\n'); err != nil || line != "ECHO: hi\n" {
		return fmt.Errorf("reply %q, %v", line, err)
	}
	return nil
}

func TestRunApp(t *testing.T) {
	conformance.RunApp(t, conformance.AppHarness{
		Name:     "line echo",
		App:      lineEchoApp{},
		Converse: converse,
	})
}

func TestRunAppSilentClients(t *testing.T) {
	conformance.RunApp(t, conformance.AppHarness{
		Name: "line echo, silent clients",
		App:  lineEchoApp{},
	})
}

// brokenApps break one app rule each.
var brokenApps = map[string]core.App{
	"sound": lineEchoApp{},
	// Ignores Shutdown: the endpoint must force-close its connections.
	"deaf-to-shutdown": core.AppFunc(func(core.ConnInfo) core.Handler { return deafToShutdown{} }),
	// Leaves a goroutine behind for every connection.
	"leaky": core.AppFunc(func(core.ConnInfo) core.Handler { return leakyHandler{} }),
}

type deafToShutdown struct{ lineEcho }

func (deafToShutdown) Info(any) core.Action { return core.Continue() }

type leakyHandler struct{ lineEcho }

func (h leakyHandler) Connect(s *core.Server, info core.ConnInfo) core.Action {
	go func() { <-leak }()
	return h.lineEcho.Connect(s, info)
}
