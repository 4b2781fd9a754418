// Command shout is the app example of the README: it answers every line in
// upper case. CI builds it, and checks that the README shows it unchanged.
package main

import (
	"bytes"
	"context"
	"flag"
	"log"
	"os"
	"os/signal"

	"github.com/ace-go/ace/core"
	"github.com/ace-go/ace/transports/tcp"
)

// shout is the handler of one connection; BaseHandler supplies the
// callbacks it does not need (and closes on shutdown).
type shout struct{ core.BaseHandler }

func (shout) Connect(*core.Server, core.ConnInfo) core.Action {
	return core.Send([]byte("SAY SOMETHING\n"))
}

func (shout) Packet(line []byte) core.Action {
	return core.Send(bytes.ToUpper(line), []byte("\n"))
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "host:port to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return shout{} })
	cfg := core.Config{Framer: core.Lines(0)} // one Packet per line
	ep, err := core.Listen(ctx, tcp.Transport{}, *addr, app, cfg)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s", ep.Addr())
	<-ctx.Done()
	_ = ep.Shutdown(context.Background()) // waits for every connection to end
}
