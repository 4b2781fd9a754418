package core_test

import (
	"fmt"
	"strings"

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
