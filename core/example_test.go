package core_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/ace-go/ace/core"
)

// upper is a whole app: it greets, answers every line in upper case, says
// goodbye on shutdown, and closes connections that stay silent for a minute.
type upper struct{ core.BaseHandler }

func (upper) Connect(*core.Server, core.ConnInfo) core.Action {
	return core.Send([]byte("hello\n")).WithTimeout(60e9)
}

func (upper) Packet(line []byte) core.Action {
	return core.Send([]byte(strings.ToUpper(string(line))), []byte("\n")).WithTimeout(60e9)
}

func (upper) Info(msg any) core.Action {
	switch msg.(type) {
	case core.Timeout, core.Shutdown:
		return core.Close([]byte("bye\n"))
	}
	return core.Continue()
}

// An App makes one handler per connection; its Framer method tells the
// endpoint to deliver whole lines. Serve it with core.Start or core.Listen
// and any transport, for example transports/tcp.
func ExampleAppFunc() {
	app := core.AppFunc(func(info core.ConnInfo) core.Handler { return upper{} })
	h := app.NewHandler(core.ConnInfo{Transport: "tcp"})
	a := h.Packet([]byte("shout"))
	fmt.Println(a.Len(), a.Closes(), a.Timeout())
	// Output: 6 false 1m0s
}

func ExampleLines() {
	f := core.Lines(16)
	buf := []byte("first\r\nsecond\nthi")
	for {
		line, n, err := f.Frame(buf, false)
		if err != nil || n == 0 {
			break
		}
		fmt.Printf("%q\n", line)
		buf = buf[n:]
	}
	fmt.Printf("waiting for more after %q\n", buf)
	// Output:
	// "first"
	// "second"
	// waiting for more after "thi"
}

func ExampleSend() {
	a := core.Send([]byte("ECHO: "), []byte("hi"), []byte("\n"))
	fmt.Println(a.Len(), len(a.AppendTo(nil)))
	fmt.Println(core.Close([]byte("BYE\n")).Closes())
	// Output:
	// 9 3
	// true
}

// login is a handler that gives a client 10 seconds, all in all, to send
// its user and password lines: each line keeps the timeout started on
// Connect, so a client that trickles bytes cannot stretch it.
type login struct {
	core.BaseHandler
	lines int
}

func (l *login) Connect(*core.Server, core.ConnInfo) core.Action {
	return core.Send([]byte("user?\n")).WithTimeout(10 * time.Second)
}

func (l *login) Packet([]byte) core.Action {
	if l.lines++; l.lines == 2 {
		return core.Send([]byte("welcome\n")) // no timeout from now on
	}
	return core.Send([]byte("password?\n")).KeepTimeout()
}

func ExampleAction_KeepTimeout() {
	l := new(login)
	fmt.Println(l.Connect(nil, core.ConnInfo{}).Timeout())
	a := l.Packet([]byte("ann"))
	fmt.Println(a.KeepsTimeout(), a.Timeout())
	a = l.Packet([]byte("secret"))
	fmt.Println(a.KeepsTimeout(), a.Timeout())
	// Output:
	// 10s
	// true 0s
	// false 0s
}
