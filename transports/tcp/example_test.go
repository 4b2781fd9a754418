package tcp_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/tcp"
)

// greeter greets each client with the name of its transport, then closes.
type greeter struct{ core.BaseHandler }

func (greeter) Connect(_ *core.Server, info core.ConnInfo) core.Action {
	return core.Close([]byte("hello over " + info.Transport + "\n"))
}

// readLine dials addr and returns the first line the server sends.
func readLine(addr net.Addr) string {
	conn, err := net.Dial(addr.Network(), addr.String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	return line
}

// Listen on a port the system chooses and serve an app on it with an ace
// endpoint.
func Example() {
	ln, err := tcp.Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return greeter{} })
	ep := core.Start(ln, app, core.Config{Acceptors: 4})

	fmt.Print(readLine(ep.Addr()))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ep.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	// Output: hello over tcp
}

// A configured Transport is a core.Transport: hand it to core.Listen. The
// address may be a Unix socket as well as host:port.
func ExampleTransport() {
	dir, err := os.MkdirTemp("", "ace")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	t := tcp.Transport{KeepAlive: 30 * time.Second}
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return greeter{} })
	for _, addr := range []string{"127.0.0.1:0", "unix:" + filepath.Join(dir, "ace.sock")} {
		ep, err := core.Listen(context.Background(), t, addr, app, core.Config{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(readLine(ep.Addr()))
		if err := ep.Close(); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// hello over tcp
	// hello over unix
}
