package memory_test

import (
	"bufio"
	"context"
	"fmt"

	"github.com/ace-go/ace/conformance/memory"
	"github.com/ace-go/ace/core"
)

// greeter greets each client and answers each line with its length.
type greeter struct{ core.BaseHandler }

func (greeter) Connect(*core.Server, core.ConnInfo) core.Action {
	return core.Send([]byte("hi\n"))
}

func (greeter) Packet(line []byte) core.Action {
	return core.Send(fmt.Appendf(nil, "%d bytes\n", len(line)))
}

// An app served by core.Start over the memory transport, as a test would
// serve it, with a client dialed through the listener.
func Example() {
	ln := memory.Listen("greeter")
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return greeter{} })
	e := core.Start(ln, app, core.Config{Acceptors: 1, Framer: core.Lines(0)})
	defer e.Close()

	conn, err := ln.Dial(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	greeting, _ := r.ReadString('\n')
	fmt.Print(greeting)
	fmt.Fprintln(conn, "hello, memory")
	reply, _ := r.ReadString('\n')
	fmt.Print(reply)
	fmt.Println(conn.RemoteAddr().Network(), conn.RemoteAddr())
	// Output:
	// hi
	// 13 bytes
	// memory greeter
}
