package echo

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/ace-go/ace/core"
)

// The fixed parts of the line protocol, precomputed so that replies cost no
// allocation.
var (
	echoPrefix   = []byte("ECHO: ")
	sentPrefix   = []byte("SENT ")
	newline      = []byte("\n")
	byeLine      = []byte("BYE\n")
	timeoutLine  = []byte("TIMEOUT\n")
	tooLongLine  = []byte("ERROR line too long\n")
	badInputLine = []byte("ERROR bad input\n")

	cmdQuit      = []byte("/quit")
	cmdBroadcast = []byte("/broadcast")
)

// broadcastLine is the message a broadcast delivers to the Info callback of
// each recipient: the line to send, terminator included. It is shared by
// every recipient and never modified.
type broadcastLine struct {
	line []byte
}

// lineHandler serves one connection in line mode.
type lineHandler struct {
	app  *App
	self *core.Server
	idle idleTimer
	num  [20]byte // scratch for the count in "SENT <n>"
}

func (h *lineHandler) Connect(self *core.Server, _ core.ConnInfo) core.Action {
	h.self = self
	h.app.register(self)
	return h.idle.restart(core.Send(h.app.greeting))
}

func (h *lineHandler) Packet(line []byte) core.Action {
	line = bytes.TrimSpace(line)
	if bytes.Equal(line, cmdQuit) {
		return core.Close(byeLine)
	}
	if text, ok := parseBroadcast(line); ok {
		msg := &broadcastLine{line: append(append(make([]byte, 0, len(text)+1), text...), '\n')}
		n := h.app.broadcast(h.self, msg)
		return h.idle.restart(core.Send(sentPrefix, strconv.AppendInt(h.num[:0], int64(n), 10), newline))
	}
	return h.idle.restart(core.Send(echoPrefix, line, newline))
}

func (h *lineHandler) Info(msg any) core.Action {
	switch m := msg.(type) {
	case *broadcastLine:
		return h.idle.keep(core.Send(m.line))
	case core.Timeout:
		return core.Close(timeoutLine)
	case core.Shutdown:
		return core.Close(byeLine)
	case core.FrameError:
		if errors.Is(m, core.ErrLineTooLong) {
			return core.Close(tooLongLine)
		}
		// Only a framer set in core.Config instead of the app's own
		// reports anything else.
		return core.Close(badInputLine)
	}
	return h.idle.keep(core.Continue())
}

func (h *lineHandler) Disconnect(error) {
	h.app.unregister(h.self)
}

// parseBroadcast reports whether line, already trimmed, is a broadcast
// command: "/broadcast", white space, and non-empty text, which it returns.
func parseBroadcast(line []byte) (text []byte, ok bool) {
	rest, ok := bytes.CutPrefix(line, cmdBroadcast)
	if !ok || len(rest) == 0 || (rest[0] != ' ' && rest[0] != '\t') {
		return nil, false
	}
	// line is trimmed, so rest, which starts with white space, has text.
	return bytes.TrimSpace(rest), true
}
