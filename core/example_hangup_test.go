//go:build unix

package core_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/ace-go/ace/core"
)

// lookup answers each line with the result of a slow lookup, which it gives
// up on if the client hangs up meanwhile: nobody would read the answer.
type lookup struct {
	core.BaseHandler
	srv    *core.Server
	search func(ctx context.Context, query string) (string, error)
}

func (l *lookup) Connect(s *core.Server, _ core.ConnInfo) core.Action {
	l.srv = s
	return core.Continue()
}

func (l *lookup) Packet(line []byte) core.Action {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// nil where the connection cannot be watched (TLS, QUIC): the lookup
	// then runs to its end or its timeout.
	if stop := l.srv.WatchHangup(cancel); stop != nil {
		defer stop()
	}
	answer, err := l.search(ctx, string(line))
	if err != nil {
		return core.Close([]byte("error\n"))
	}
	return core.Send([]byte(answer), []byte("\n"))
}

// A handler busy in a callback learns that its client hung up through
// WatchHangup, and cancels the work done for it.
func ExampleServer_WatchHangup() {
	cancelled := make(chan error, 1)
	app := core.AppFunc(func(core.ConnInfo) core.Handler {
		return &lookup{search: func(ctx context.Context, q string) (string, error) {
			<-ctx.Done() // a query that would take long
			cancelled <- ctx.Err()
			return "", ctx.Err()
		}}
	})
	// listenTCP is these tests' listener; a program uses transports/tcp.
	ep := core.Start(listenTCP(panicker{}), app, core.Config{Framer: core.Lines(0)})
	defer ep.Close()

	c, err := net.Dial("tcp", ep.Addr().String())
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(c, "ace")
	_ = c.Close() // the client gives up before the answer
	fmt.Println(<-cancelled)
	// Output: context canceled
}

// panicker is the Fatal of listenTCP, for an example.
type panicker struct{}

func (panicker) Fatal(args ...any) { panic(fmt.Sprint(args...)) }
