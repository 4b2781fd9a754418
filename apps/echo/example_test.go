package echo_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"

	"github.com/ace-go/ace/apps/echo"
	"github.com/ace-go/ace/core"
)

func ExampleNew() {
	// A program gets its listener from a transport, for example
	// github.com/ace-go/ace/transports/tcp; this example stands in a
	// minimal adapter over net.Listen on 127.0.0.1.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	app := echo.New(echo.Config{})
	ep := core.Start(loopbackListener{ln.(*net.TCPListener)}, app, core.Config{Acceptors: 1})
	defer ep.Shutdown(context.Background())

	conn, err := net.Dial("tcp", ep.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(line string) {
		if line != "" {
			fmt.Fprint(conn, line+"\r\n")
		}
		reply, err := r.ReadString('\n')
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(reply)
	}
	say("") // the greeting
	say("  hello, ace  ")
	say("/broadcast is anyone there?")
	say("/quit")
	// Output:
	// WELCOME
	// ECHO: hello, ace
	// SENT 0
	// BYE
}
