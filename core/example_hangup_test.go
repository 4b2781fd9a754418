package core_test

import (
	"context"
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
	var ln core.Listener // from transports/tcp's Listen, say
	app := core.AppFunc(func(core.ConnInfo) core.Handler {
		return &lookup{search: func(ctx context.Context, q string) (string, error) {
			select { // a query that takes a while
			case <-time.After(time.Second):
				return "found " + q, nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}}
	})
	if ln != nil {
		ep := core.Start(ln, app, core.Config{Framer: core.Lines(0)})
		defer ep.Close()
	}
}
