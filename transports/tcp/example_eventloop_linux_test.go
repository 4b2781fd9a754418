package tcp_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/tcp"
)

// ticker greets, echoes lines, and writes every message sent to it.
type ticker struct{ core.BaseHandler }

func (ticker) Connect(s *core.Server, _ core.ConnInfo) core.Action {
	go func() { _ = s.Send("tick") }() // from elsewhere in the program
	return core.Send([]byte("hello\n"))
}

func (ticker) Packet(line []byte) core.Action {
	return core.Send([]byte("echo "), line, []byte("\n"))
}

func (ticker) Info(msg any) core.Action {
	if s, ok := msg.(string); ok {
		return core.Send([]byte(s + "\n"))
	}
	return core.Close()
}

// Callbacks that never block can run on the endpoint's event loops, one per
// GOMAXPROCS, as gnet's do: a connection then holds no goroutine between
// packets, and a round trip costs no goroutine switch. Messages from
// Server.Send and timeouts are delivered by the loops too.
func Example_eventLoop() {
	ln, err := tcp.Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return ticker{} })
	cfg := core.Config{EventLoop: true, Framer: core.Lines(0)}
	ep := core.Start(ln, app, cfg)
	defer ep.Close()

	conn, err := net.Dial("tcp", ep.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	greeting, _ := r.ReadString('\n')
	tick, _ := r.ReadString('\n')
	fmt.Fprintln(conn, "hi")
	echo, _ := r.ReadString('\n')
	fmt.Print(greeting, tick, echo)
	// Output:
	// hello
	// tick
	// echo hi
}
