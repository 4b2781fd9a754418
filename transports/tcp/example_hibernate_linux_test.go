package tcp_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/tcp"
)

// shouter echoes what it reads.
type shouter struct{ core.BaseHandler }

func (shouter) Packet(data []byte) core.Action { return core.Send(data) }

// An idle TCP connection costs no goroutine: after Config.HibernateAfter
// without a byte its server hibernates, and the next byte wakes it, unseen by
// the handler.
func Example_hibernation() {
	ln, err := tcp.Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return shouter{} })
	ep := core.Start(ln, app, core.Config{Acceptors: 1, HibernateAfter: 50 * time.Millisecond})
	defer ep.Close()

	conn, err := net.Dial("tcp", ep.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for ep.Stats().Hibernating == 0 { // within 50 to 100ms
		if time.Now().After(deadline) {
			log.Fatal("the connection did not hibernate")
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Println("hibernating:", ep.Stats().Hibernating)

	_, _ = conn.Write([]byte("wake up"))
	buf := make([]byte, 7)
	if _, err := io.ReadFull(conn, buf); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s, hibernating: %d\n", buf, ep.Stats().Hibernating)
	// Output:
	// hibernating: 1
	// wake up, hibernating: 0
}
