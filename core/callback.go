package core

import (
	"fmt"
	"runtime/debug"
)

// newHandler asks the app for a handler, containing a panic.
func (s *Server) newHandler(info ConnInfo) (h Handler, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.panicked(r)
		}
	}()
	return s.app.NewHandler(info), nil
}

func (s *Server) callConnect(h Handler, info *ConnInfo) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.panicked(r)
		}
	}()
	s.act = h.Connect(s, *info)
	return nil
}

func (s *Server) callPacket(h Handler, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.panicked(r)
		}
	}()
	s.act = h.Packet(data)
	return nil
}

func (s *Server) callInfo(h Handler, msg any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.panicked(r)
		}
	}()
	s.act = h.Info(msg)
	return nil
}

func (s *Server) callDisconnect(h Handler, reason error, panicked bool) {
	if panicked && h == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			_ = s.panicked(r)
		}
	}()
	h.Disconnect(reason)
}

// panicked logs a recovered panic with its stack and counts it (rule S12).
func (s *Server) panicked(r any) error {
	s.ctr.panicked.Add(1)
	s.log.Error("ace: handler panicked", "panic", r, "stack", string(debug.Stack()))
	return fmt.Errorf("%w: %v", ErrHandlerPanic, r)
}
