package core

import (
	"sync/atomic"
	"syscall"
	"time"
)

// Hibernation lets the server of an idle connection give up its goroutine,
// as an Erlang process hibernates: an idle goroutine still holds its stack,
// which is most of what an idle connection costs (BENCHMARKS.md has the
// figures). The endpoint watches the sockets of hibernating servers in a
// poller of its own (epoll, on Linux: see poller_linux.go), and any event
// brings a server back on a new goroutine that carries on where the old one
// stopped, its state being kept in the Server: input or a hang-up on the
// socket, a message from Send or from the endpoint, the expiry of the
// action's timeout, or Close.
//
// The endpoint asks servers to hibernate once their connection has moved no
// byte for Config.HibernateAfter. A server hibernates only at its next wait
// for input with nothing buffered, and only if its connection is a socket
// read through a [RawReader] (see [RawReader.RawConn]): TLS and QUIC
// connections hold state of their own above the socket and never hibernate.

// Hibernation states of a server.
const (
	hibRunning int32 = iota // a goroutine serves the connection
	hibParking              // the goroutine is about to end
	hibWoken                // woken while parking: the goroutine carries on
	hibAsleep               // no goroutine; the poller watches the socket
)

// socket is implemented by connections whose bytes are their socket's bytes,
// with nothing buffered between: the connections read through a RawReader.
type socket interface {
	LazyReader
	RawConn() syscall.RawConn
}

// hibernation is a server's part in hibernation.
type hibernation struct {
	p     *poller         // the poller that watches the socket; nil if the server cannot hibernate
	rc    syscall.RawConn // the socket
	state atomic.Int32
	req   atomic.Bool // the endpoint asks the server to hibernate

	// Owned by the serving goroutine.
	fd         int32 // the descriptor registered
	registered bool  // the socket is in p's epoll set
	onLoop     bool  // the event loop's goroutine is serving the connection now
	// loop is the event loop that serves the socket itself, whose poller
	// p is, or nil; set once, in take.
	loop *eventLoop
	// kick is set by the event loop when the socket has new input and the
	// server is not asleep: its edge would be lost if the server parked
	// without reading.
	kick  atomic.Bool
	timer *time.Timer

	seen uint64 // bytes moved at the last sweep; guarded by the endpoint's mu
}

// hibernate ends the serving goroutine's part if nothing else happens
// meanwhile: it hands the socket to the poller and reports true, after which
// the goroutine must return at once, touching nothing. It reports false if
// something woke the server while it was parking, or if it cannot hibernate.
func (s *Server) hibernate() bool {
	hb := &s.hib
	if hb.p == nil {
		return false
	}
	hb.state.Store(hibParking)
	// Whoever wakes the server next serves it afresh: on the loop that
	// wakes it with input, or on a goroutine of its own.
	onLoop := hb.onLoop
	hb.onLoop = false
	// A socket on an event loop stays armed, so parking it again costs no
	// system call. It stays open too until its server closes it: Close
	// shuts it down instead, which the loop hears of as a hang-up.
	var err error
	if hb.loop == nil || !hb.registered {
		err = hb.p.watch(s)
	}
	if err != nil {
		hb.state.Store(hibRunning)
		hb.onLoop = onLoop
		s.log.Debug("ace: cannot hibernate", "err", err)
		s.sess.offLoop = true
		return false
	}
	if d := s.sess.deadline; d != 0 {
		left := time.Duration(d - monoNow())
		if hb.timer == nil {
			hb.timer = time.AfterFunc(left, s.wakeAtDeadline)
		} else {
			hb.timer.Reset(left)
		}
	}
	s.serving = false
	// A connection parked in its event loop between packets is not idle:
	// only those that hibernate are counted.
	count := hb.loop == nil
	if count {
		s.ctr.hibernating.Add(1)
	}
	// Send queues its message before it looks at the state, so either it
	// sees hibParking and wakes the server, or the server sees the message.
	// The event loop likewise sets kick before it looks at the state.
	kicked := hb.loop != nil && hb.kick.Swap(false)
	if kicked {
		s.sess.readFirst = true
	}
	if !kicked && s.nmsg.Load() == 0 && hb.state.CompareAndSwap(hibParking, hibAsleep) {
		return true
	}
	if count {
		s.ctr.hibernating.Add(-1)
	}
	hb.state.Store(hibRunning)
	hb.onLoop = onLoop
	if hb.timer != nil {
		hb.timer.Stop()
	}
	s.serving = true
	return false
}

// wake brings the server back if it hibernates, or stops it from
// hibernating if it is parking. It reports false if the server was running,
// and is thus to be woken the usual way, through its read deadline.
func (s *Server) wake() bool {
	hb := &s.hib
	for {
		switch st := hb.state.Load(); st {
		case hibAsleep:
			if hb.state.CompareAndSwap(hibAsleep, hibRunning) {
				if hb.loop != nil {
					// Its loop serves it, as it serves input.
					hb.loop.enqueue(s)
					return true
				}
				s.ctr.hibernating.Add(-1)
				go s.resume()
				return true
			}
		case hibParking:
			if hb.state.CompareAndSwap(hibParking, hibWoken) {
				return true
			}
		case hibWoken:
			return true
		default:
			return false
		}
	}
}

// wakeAtDeadline is the timer function of a hibernating server whose action
// has a timeout.
func (s *Server) wakeAtDeadline() { s.wake() }

// wakeConn wakes the server, whether it hibernates or waits in a read on
// conn.
func (s *Server) wakeConn(conn Conn) {
	if !s.wake() {
		_ = conn.SetReadDeadline(aLongTimeAgo)
	}
}

// resume is the goroutine of a server woken from hibernation.
func (s *Server) resume() {
	if t := s.hib.timer; t != nil {
		t.Stop()
	}
	s.sess.setDL = true
	s.serve()
}

// forget takes the socket out of the poller, for good.
func (s *Server) forget() {
	hb := &s.hib
	if hb.timer != nil {
		hb.timer.Stop()
	}
	if hb.registered {
		hb.p.unwatch(s)
	}
}

// sweep asks the server to hibernate if its connection moved no byte since
// the last sweep. The endpoint calls it with its lock held.
func (s *Server) sweep() {
	hb := &s.hib
	s.mu.Lock()
	conn, ok := s.conn, s.state == stateConnected && !s.detached && hb.p != nil
	s.mu.Unlock()
	if !ok {
		return
	}
	moved := s.bytesIn.Load() + s.bytesOut.Load()
	idle := moved == hb.seen
	hb.seen = moved
	if !idle || hb.state.Load() != hibRunning || hb.req.Load() {
		return
	}
	hb.req.Store(true)
	_ = conn.SetReadDeadline(aLongTimeAgo)
}
