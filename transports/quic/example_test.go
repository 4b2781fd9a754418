package quictransport_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/ace-go/ace/core"
	quictransport "github.com/ace-go/ace/transports/quic"
)

// exampleTLS returns a server certificate and a client configuration that
// trusts it. A real server loads its certificate from files.
func exampleTLS() (server, client *tls.Config) {
	pki, err := sharedPKI()
	if err != nil {
		log.Fatal(err)
	}
	return pki.server, pki.client
}

// greeter greets each client, then answers every line in upper case. Its
// framer cuts the input into lines, without their terminator.
type greeter struct{ core.BaseHandler }

func (greeter) Connect(*core.Server, core.ConnInfo) core.Action {
	return core.Send([]byte("hello\n"))
}

func (greeter) Packet(line []byte) core.Action {
	return core.Send([]byte(strings.ToUpper(string(line))), []byte("\n"))
}

// Serve an app over QUIC, and talk to it with Dial. The server speaks first:
// Dial's preamble lets it see the client's stream before the client sends
// anything.
func Example() {
	serverTLS, clientTLS := exampleTLS()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	ln, err := quictransport.Listen(ctx, "127.0.0.1:0", serverTLS, quictransport.Config{})
	if err != nil {
		log.Fatal(err)
	}
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return greeter{} })
	e := core.Start(ln, app, core.Config{Acceptors: 4, Framer: core.Lines(1024)})
	defer e.Close()

	c, err := quictransport.Dial(ctx, e.Addr().String(), clientTLS)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	greeting, _ := r.ReadString('\n')
	fmt.Fprintf(c, "over quic\n")
	reply, _ := r.ReadString('\n')
	info := c.Info()
	fmt.Print(greeting, reply)
	fmt.Println(info.Transport, info.Version, info.TLS.NegotiatedProtocol)
	// Output:
	// hello
	// OVER QUIC
	// quic v1 ace
}

// A Transport serves through core.Listen, as the ace command does.
func ExampleTransport() {
	serverTLS, clientTLS := exampleTLS()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	tr := quictransport.Transport{
		TLSConfig: serverTLS,
		Config: quictransport.Config{
			ALPN:             []string{"greeter/1"},
			HandshakeTimeout: 5 * time.Second,
		},
	}
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return greeter{} })
	e, err := core.Listen(ctx, tr, "127.0.0.1:0", app, core.Config{Framer: core.Lines(1024)})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()

	conf := clientTLS.Clone()
	conf.NextProtos = []string{"greeter/1"}
	c, err := quictransport.Dial(ctx, e.Addr().String(), conf)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	greeting, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(greeting, c.Info().TLS.NegotiatedProtocol, "\n")
	// Output:
	// hello
	// greeter/1
}

// Any QUIC client can talk to an ace server: open one bidirectional stream
// and send the preamble first.
func ExamplePreamble() {
	serverTLS, clientTLS := exampleTLS()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	ln, err := quictransport.Listen(ctx, "127.0.0.1:0", serverTLS, quictransport.Config{})
	if err != nil {
		log.Fatal(err)
	}
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return greeter{} })
	e := core.Start(ln, app, core.Config{Framer: core.Lines(1024)})
	defer e.Close()

	conf := clientTLS.Clone()
	conf.NextProtos = []string{quictransport.DefaultALPN}
	qc, err := quic.DialAddr(ctx, e.Addr().String(), conf, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer qc.CloseWithError(quictransport.CodeNoError, "")
	st, err := qc.OpenStream()
	if err != nil {
		log.Fatal(err)
	}
	if _, err := st.Write([]byte{quictransport.Preamble}); err != nil {
		log.Fatal(err)
	}
	r := bufio.NewReader(st)
	greeting, _ := r.ReadString('\n')
	fmt.Fprintf(st, "plain quic-go\n")
	reply, _ := r.ReadString('\n')
	fmt.Print(greeting, reply)
	// Output:
	// hello
	// PLAIN QUIC-GO
}
