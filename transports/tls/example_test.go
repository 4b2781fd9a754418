package tlstransport_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log"

	"github.com/ace-go/ace/core"
	tlstransport "github.com/ace-go/ace/transports/tls"
)

// shout answers every line in capitals.
type shout struct{ core.BaseHandler }

func (shout) Packet(line []byte) core.Action {
	return core.Send(bytes.ToUpper(line), []byte("\n"))
}

// Serve an app over TLS with a self-signed certificate, and talk to it with
// a client that trusts that certificate.
func Example() {
	cert, err := tlstransport.SelfSigned() // localhost, 127.0.0.1 and ::1
	if err != nil {
		log.Fatal(err)
	}
	t := tlstransport.Transport{
		Config:     &tls.Config{Certificates: []tls.Certificate{cert}},
		NextProtos: []string{"shout"},
	}
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return shout{} })
	ctx := context.Background()
	ep, err := core.Listen(ctx, t, "127.0.0.1:0", app, core.Config{Framer: core.Lines(0)})
	if err != nil {
		log.Fatal(err)
	}
	defer ep.Close()

	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	conn, err := tlstransport.Dial(ctx, ep.Addr().String(), &tls.Config{RootCAs: roots, NextProtos: []string{"shout"}})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintln(conn, "hello over tls")
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	state := conn.ConnectionState()
	fmt.Print(reply)
	fmt.Println(tls.VersionName(state.Version), state.NegotiatedProtocol)
	// Output:
	// HELLO OVER TLS
	// TLS 1.3 shout
}
