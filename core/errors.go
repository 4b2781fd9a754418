package core

import (
	"errors"
	"fmt"
	"net"
)

// Sentinel errors reported by servers and endpoints. Compare with errors.Is.
var (
	// ErrAlreadyAccepted is returned by Server.Accept when the server was
	// already asked to accept (rule S2). A server accepts exactly once.
	ErrAlreadyAccepted = errors.New("ace: server already accepted")

	// ErrNotConnected is returned by Server.Send when the server has no
	// connection yet (rule S6).
	ErrNotConnected = errors.New("ace: server has no connection")

	// ErrServerClosed is returned by operations on a server or endpoint
	// that has ended. It wraps net.ErrClosed, so errors.Is(err,
	// net.ErrClosed) is true as well.
	ErrServerClosed = fmt.Errorf("ace: server closed: %w", net.ErrClosed)

	// ErrMailboxFull is returned by Server.Send when the server's mailbox
	// holds Config.MailboxSize messages that it has not handled yet.
	ErrMailboxFull = errors.New("ace: server mailbox full")

	// ErrHandlerPanic is the reason given to Disconnect, and the error a
	// server ends with, when a callback panicked (rule S12).
	ErrHandlerPanic = errors.New("ace: handler panicked")

	// ErrForcedClose is the reason given to Disconnect when the endpoint
	// force-closed the connection because the Shutdown context expired,
	// or when Server.Close or Endpoint.Close closed it.
	ErrForcedClose = errors.New("ace: connection force-closed")

	// ErrLineTooLong is reported by the line framer when a line exceeds its
	// maximum length.
	ErrLineTooLong = errors.New("ace: line too long")

	// ErrFrameTooLarge is reported by the length-prefixed framer when a
	// header announces a frame over its maximum size.
	ErrFrameTooLarge = errors.New("ace: frame too large")
)
