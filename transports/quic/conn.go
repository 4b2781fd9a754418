package quictransport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/ace-go/ace/core"
)

// ErrBadPreamble is returned by HandshakeContext when the client's stream
// does not start with [Preamble]; the connection is then closed with
// [CodeProtocolError].
var ErrBadPreamble = errors.New("quictransport: the stream does not start with the ace preamble")

// aLongTimeAgo is a deadline in the past, to wake blocked reads and writes.
var aLongTimeAgo = time.Unix(1, 0)

// Conn is one QUIC connection carrying one ace conversation on its first
// bidirectional stream. It is a [net.Conn] over that stream, implements
// [core.Conn] and [core.Handshaker], and can half-close with CloseWrite.
//
// A Conn from [Listener.Accept] has completed its QUIC handshake but has no
// stream yet: HandshakeContext waits for it (core's server calls it, bounded
// by core.Config.HandshakeTimeout). Read, Write and CloseWrite run it
// themselves if it has not run, bounded by the deadline in force, as
// crypto/tls does. A Conn from [Dial] has its stream from the start.
type Conn struct {
	qc     *quic.Conn
	client bool
	linger time.Duration
	info   core.ConnInfo

	hs     chan struct{} // a one-slot semaphore: one handshake at a time
	ready  atomic.Bool   // stream is set; it is read without mu from then on
	closed atomic.Bool

	mu       sync.Mutex
	stream   *quic.Stream
	rdl, wdl time.Time    // deadlines, kept until the stream exists
	pending  *quic.Stream // the stream whose preamble is being read
	hsErr    error        // why the handshake failed for good

	// wmu is held by Write and CloseWrite, so that Close never ends the
	// stream's send side while a Write runs, which quic-go forbids.
	wmu sync.Mutex
}

var (
	_ core.Conn       = (*Conn)(nil)
	_ core.Handshaker = (*Conn)(nil)
)

// newConn wraps qc, whose QUIC handshake is complete. A client passes the
// stream it opened; a server passes nil and gets it in HandshakeContext.
func newConn(qc *quic.Conn, st *quic.Stream, linger time.Duration) *Conn {
	state := qc.ConnectionState()
	c := &Conn{
		qc:     qc,
		client: st != nil,
		linger: linger,
		info: core.ConnInfo{
			Transport:  "quic",
			LocalAddr:  qc.LocalAddr(),
			RemoteAddr: qc.RemoteAddr(),
			Version:    state.Version.String(),
			TLS:        &state.TLS,
		},
		hs:     make(chan struct{}, 1),
		stream: st,
	}
	c.ready.Store(st != nil)
	return c
}

// Info describes the connection: transport "quic", both addresses, the QUIC
// version ("v1") and the TLS state (version, cipher suite, ALPN protocol,
// SNI server name, verified peer certificates). The QUIC handshake is
// complete before Accept returns a Conn, so Info is complete at once.
func (c *Conn) Info() core.ConnInfo { return c.info }

// LocalAddr returns the local UDP address of the connection.
func (c *Conn) LocalAddr() net.Addr { return c.info.LocalAddr }

// RemoteAddr returns the peer's UDP address.
func (c *Conn) RemoteAddr() net.Addr { return c.info.RemoteAddr }

// HandshakeContext waits until the client has opened its bidirectional
// stream and sent [Preamble] on it, which it consumes. It returns at once on
// a Conn that has its stream. When ctx ends first, it returns an error
// wrapping ctx.Err() and may be called again; other failures are final. A
// stream that starts with another byte fails with [ErrBadPreamble], and the
// connection is closed with [CodeProtocolError].
func (c *Conn) HandshakeContext(ctx context.Context) error {
	if c.ready.Load() {
		return nil
	}
	select {
	case c.hs <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("quictransport: waiting for the client's stream: %w", ctx.Err())
	}
	defer func() { <-c.hs }()
	if c.ready.Load() {
		return nil
	}
	c.mu.Lock()
	err := c.hsErr
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if c.closed.Load() {
		return net.ErrClosed
	}

	st, err := c.qc.AcceptStream(ctx)
	if err != nil {
		switch {
		case c.closed.Load():
			return net.ErrClosed
		case ctx.Err() != nil:
			return fmt.Errorf("quictransport: waiting for the client's stream: %w", ctx.Err())
		}
		return c.failHandshake(fmt.Errorf("quictransport: waiting for the client's stream: %w", err))
	}
	if err := c.readPreamble(ctx, st); err != nil {
		return c.failHandshake(err)
	}
	c.mu.Lock()
	c.stream = st
	_ = st.SetReadDeadline(c.rdl)
	_ = st.SetWriteDeadline(c.wdl)
	c.ready.Store(true)
	c.mu.Unlock()
	return nil
}

// failHandshake records err as the handshake's final result.
func (c *Conn) failHandshake(err error) error {
	c.mu.Lock()
	c.hsErr = err
	c.mu.Unlock()
	return err
}

// readPreamble reads and checks the first byte of st, within ctx.
func (c *Conn) readPreamble(ctx context.Context, st *quic.Stream) error {
	c.mu.Lock()
	c.pending = st
	if dl, ok := ctx.Deadline(); ok {
		_ = st.SetReadDeadline(dl)
	}
	c.mu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		if c.pending == st {
			_ = st.SetReadDeadline(aLongTimeAgo)
		}
		c.mu.Unlock()
	})
	var b [1]byte
	_, err := io.ReadFull(st, b[:])
	stop()
	c.mu.Lock()
	c.pending = nil
	c.mu.Unlock()
	switch {
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("quictransport: reading the stream preamble: %w", ctx.Err())
	case err != nil:
		return fmt.Errorf("quictransport: reading the stream preamble: %w", err)
	case b[0] != Preamble:
		_ = c.qc.CloseWithError(CodeProtocolError, "the stream does not start with the ace preamble")
		return fmt.Errorf("%w (got %#x)", ErrBadPreamble, b[0])
	}
	return nil
}

// handshake runs HandshakeContext for a Read or Write, bounded by the
// deadline dl when it is set.
func (c *Conn) handshake(dl time.Time) error {
	ctx := context.Background()
	if !dl.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl)
		defer cancel()
	}
	err := c.HandshakeContext(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return os.ErrDeadlineExceeded
	}
	return err
}

// Read reads from the stream. It returns io.EOF once the peer has closed its
// side of the stream, or has closed the connection with [CodeNoError].
func (c *Conn) Read(p []byte) (int, error) {
	if c.closed.Load() {
		return 0, c.opErr("read", net.ErrClosed)
	}
	if !c.ready.Load() {
		c.mu.Lock()
		dl := c.rdl
		c.mu.Unlock()
		if err := c.handshake(dl); err != nil {
			return 0, c.opErr("read", err)
		}
	}
	n, err := c.stream.Read(p)
	if err != nil && err != io.EOF {
		err = c.streamErr("read", err)
	}
	return n, err
}

// Write writes to the stream.
func (c *Conn) Write(p []byte) (int, error) {
	if c.closed.Load() {
		return 0, c.opErr("write", net.ErrClosed)
	}
	if !c.ready.Load() {
		c.mu.Lock()
		dl := c.wdl
		c.mu.Unlock()
		if err := c.handshake(dl); err != nil {
			return 0, c.opErr("write", err)
		}
	}
	c.wmu.Lock()
	if c.closed.Load() {
		c.wmu.Unlock()
		return 0, c.opErr("write", net.ErrClosed)
	}
	n, err := c.stream.Write(p)
	c.wmu.Unlock()
	if err != nil {
		err = c.streamErr("write", err)
	}
	return n, err
}

// streamErr turns an error of the stream into the one Read or Write returns.
func (c *Conn) streamErr(op string, err error) error {
	if c.closed.Load() {
		return c.opErr(op, net.ErrClosed)
	}
	if op == "read" {
		var ae *quic.ApplicationError
		if errors.As(err, &ae) && ae.Remote && ae.ErrorCode == CodeNoError {
			return io.EOF
		}
	}
	return c.opErr(op, err)
}

func (c *Conn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "quic", Source: c.info.LocalAddr, Addr: c.info.RemoteAddr, Err: err}
}

// CloseWrite closes the sending side of the stream: the peer reads io.EOF
// after what was written. The connection stays open for reading.
func (c *Conn) CloseWrite() error {
	if c.closed.Load() {
		return c.opErr("close", net.ErrClosed)
	}
	if !c.ready.Load() {
		c.mu.Lock()
		dl := c.wdl
		c.mu.Unlock()
		if err := c.handshake(dl); err != nil {
			return c.opErr("close", err)
		}
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.stream.Close(); err != nil {
		return c.opErr("close", err)
	}
	return nil
}

// Close closes the connection. Blocked and later calls of Read and Write
// return an error wrapping net.ErrClosed. Close returns at once.
//
// What was written is not lost: Close ends the stream's sending side
// (a FIN after the data), and keeps the QUIC connection open in the
// background until the peer has had it, for at most the linger time
// (Config.Linger; DefaultLinger for a Conn from Dial), before closing it
// with [CodeNoError]. A QUIC connection close discards whatever the peer
// has not read yet, so it must come after the peer's reading:
//
//   - A server's Conn stops reading (STOP_SENDING) and waits until the
//     client closes the connection.
//   - A client's Conn closes the connection as soon as the server's side
//     of the stream has ended (its FIN has arrived), at once if it
//     already has.
//
// A Conn that has no stream yet closes the connection at once.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return c.opErr("close", net.ErrClosed)
	}
	c.closed.Store(true)
	st := c.stream
	if st != nil {
		// Wake blocked calls; they see closed and report it.
		_ = st.SetReadDeadline(aLongTimeAgo)
		_ = st.SetWriteDeadline(aLongTimeAgo)
	}
	c.mu.Unlock()
	if st == nil {
		return c.closeNow()
	}
	c.wmu.Lock()
	_ = st.Close()
	c.wmu.Unlock()
	if c.linger < 0 {
		return c.closeNow()
	}
	if !c.client {
		st.CancelRead(CodeNoError)
	}
	t := time.AfterFunc(c.linger, func() { _ = c.closeNow() })
	context.AfterFunc(c.qc.Context(), func() { t.Stop() })
	if c.client {
		// The callback runs on quic-go's event loop, which closing the
		// connection waits for: close from another goroutine.
		st.SetReceiveFinalSizeCallback(func(int64) { go c.closeNow() })
	}
	return nil
}

// closeNow closes the QUIC connection with CodeNoError.
func (c *Conn) closeNow() error {
	return c.qc.CloseWithError(CodeNoError, "")
}

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline for Read calls, pending ones included.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return c.opErr("set", net.ErrClosed)
	}
	c.rdl = t
	if c.stream != nil {
		return c.stream.SetReadDeadline(t)
	}
	return nil
}

// SetWriteDeadline sets the deadline for Write calls, pending ones included.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return c.opErr("set", net.ErrClosed)
	}
	c.wdl = t
	if c.stream != nil {
		return c.stream.SetWriteDeadline(t)
	}
	return nil
}
