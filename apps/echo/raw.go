package echo

import "github.com/ace-go/ace/core"

// rawHandler serves one connection in raw mode (RFC 862).
type rawHandler struct {
	app  *App
	self *core.Server
	idle idleTimer
}

func (h *rawHandler) Connect(self *core.Server, _ core.ConnInfo) core.Action {
	h.self = self
	h.app.register(self)
	return h.idle.restart(core.Continue())
}

// Packet sends data back as it is: the core writes it before it reuses the
// buffer data lives in.
func (h *rawHandler) Packet(data []byte) core.Action {
	return h.idle.restart(core.Send(data))
}

func (h *rawHandler) Info(msg any) core.Action {
	switch msg.(type) {
	case core.Timeout, core.Shutdown, core.FrameError:
		return core.Close()
	}
	return h.idle.keep(core.Continue())
}

func (h *rawHandler) Disconnect(error) {
	h.app.unregister(h.self)
}
