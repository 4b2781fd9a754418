package quictransport

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/quic-go/quic-go"
)

// Dial connects to the ace server at the UDP address addr, as a client of
// this package's mapping: it completes the QUIC handshake, opens the first
// bidirectional stream and sends [Preamble] on it, so that the server sees
// the stream at once even if the client has nothing to say yet. The returned
// [*Conn] is a [net.Conn] over that stream; closing it closes the QUIC
// connection (see Conn.Close).
//
// tlsConf may be nil, which verifies the server against the system roots.
// Its NextProtos default to [DefaultALPN]. ctx bounds the whole dial.
func Dial(ctx context.Context, addr string, tlsConf *tls.Config) (*Conn, error) {
	var conf *tls.Config
	if tlsConf != nil {
		conf = tlsConf.Clone()
	} else {
		conf = &tls.Config{}
	}
	conf.NextProtos = alpn(conf.NextProtos)
	udp, raddr, err := clientSocket(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("quictransport: dial %s: %w", addr, err)
	}
	// The server never opens a stream: allow none.
	qc, err := quic.Dial(ctx, udp, raddr, conf, &quic.Config{
		MaxIncomingStreams:    -1,
		MaxIncomingUniStreams: -1,
	})
	if err != nil {
		_ = udp.Close()
		return nil, fmt.Errorf("quictransport: dial %s: %w", addr, err)
	}
	// quic-go stops using the socket when the connection ends.
	context.AfterFunc(qc.Context(), func() { _ = udp.Close() })
	st, err := qc.OpenStream()
	if err == nil {
		_, err = st.Write([]byte{Preamble})
	}
	if err != nil {
		_ = qc.CloseWithError(CodeNoError, "")
		return nil, fmt.Errorf("quictransport: dial %s: opening the stream: %w", addr, err)
	}
	return newConn(qc, st, DefaultLinger), nil
}

// clientSocket resolves addr and returns a UDP socket connected to it, as
// a net.PacketConn for quic-go. A connected socket has a definite local
// address (the one the server sees, not a wildcard), takes datagrams from the
// server only, and hears the ICMP "port unreachable" that answers a datagram
// sent to a closed port: quic-go then fails the dial at once with
// ECONNREFUSED, as TCP would, rather than after its handshake timeout.
func clientSocket(ctx context.Context, addr string) (*connectedUDP, *net.UDPAddr, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return nil, nil, err
	}
	uc := c.(*net.UDPConn)
	raddr := uc.RemoteAddr().(*net.UDPAddr)
	return &connectedUDP{uc: uc, raddr: raddr}, raddr, nil
}

// connectedUDP adapts a connected UDP socket to net.PacketConn: every
// datagram comes from, and goes to, the one peer. It lacks ReadMsgUDP and
// WriteMsgUDP on purpose (the latter refuses a destination on a connected
// socket), so quic-go uses plain ReadFrom and WriteTo; the batching and ECN
// those would allow matter little to one client connection. SyscallConn and
// the buffer setters let quic-go set the DF bit and size the buffers.
type connectedUDP struct {
	uc    *net.UDPConn
	raddr *net.UDPAddr
}

// ReadFrom reads a datagram from the peer.
func (c *connectedUDP) ReadFrom(b []byte) (int, net.Addr, error) {
	n, err := c.uc.Read(b)
	return n, c.raddr, err
}

// WriteTo writes a datagram to the peer, whatever addr says.
func (c *connectedUDP) WriteTo(b []byte, _ net.Addr) (int, error) { return c.uc.Write(b) }

func (c *connectedUDP) Close() error                       { return c.uc.Close() }
func (c *connectedUDP) LocalAddr() net.Addr                { return c.uc.LocalAddr() }
func (c *connectedUDP) SetDeadline(t time.Time) error      { return c.uc.SetDeadline(t) }
func (c *connectedUDP) SetReadDeadline(t time.Time) error  { return c.uc.SetReadDeadline(t) }
func (c *connectedUDP) SetWriteDeadline(t time.Time) error { return c.uc.SetWriteDeadline(t) }
func (c *connectedUDP) SetReadBuffer(n int) error          { return c.uc.SetReadBuffer(n) }
func (c *connectedUDP) SetWriteBuffer(n int) error         { return c.uc.SetWriteBuffer(n) }

func (c *connectedUDP) SyscallConn() (syscall.RawConn, error) { return c.uc.SyscallConn() }
