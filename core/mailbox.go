package core

// A server's mailbox holds the messages for its handler's Info callback
// (rule S6): Send's, and the endpoint's Shutdown notice. It is Server.mbox,
// guarded by mu; Server.nmsg mirrors its length, so that the serving
// goroutine looks at it between reads without taking the lock.

// enqueueLocked appends msg to the mailbox; the caller holds mu.
func (s *Server) enqueueLocked(msg any) {
	s.mbox = append(s.mbox, msg)
	s.nmsg.Store(int32(len(s.mbox)))
}

// notify queues a framework message (Shutdown) whatever the mailbox size,
// for a server that has or is about to have a handler.
func (s *Server) notify(msg any) {
	s.mu.Lock()
	if s.state != stateHandshaking && s.state != stateConnected {
		s.mu.Unlock()
		return
	}
	if _, ok := msg.(Shutdown); ok {
		s.shuttingDown.Store(true)
	}
	s.enqueueLocked(msg)
	conn, wake := s.conn, s.state == stateConnected
	s.mu.Unlock()
	// A server still in its handshake finds the message once connected;
	// a past read deadline now would cut the handshake short.
	if wake {
		s.wakeConn(conn)
	}
}

// nextMsg pops the oldest message, if any.
func (s *Server) nextMsg() (any, bool) {
	if s.nmsg.Load() == 0 {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.mbox) == 0 {
		return nil, false
	}
	msg := s.mbox[0]
	s.mbox[0] = nil
	s.mbox = s.mbox[1:]
	if len(s.mbox) == 0 {
		s.mbox = s.mbox[:0:0]
	}
	s.nmsg.Store(int32(len(s.mbox)))
	return msg, true
}
