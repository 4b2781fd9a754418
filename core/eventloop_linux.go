package core

import (
	"os"
	"sync/atomic"
	"syscall"
)

// eventLoop is one of an endpoint's event loops (Config.EventLoop; how they
// serve is told in eventloop.go): a poller whose sockets stay armed,
// edge-triggered, and whose goroutine serves the servers of the sockets
// that have input itself (serveReady), rather than waking them.
type eventLoop struct {
	poller

	// Owned by the loop's goroutine: the servers one turn serves, and the
	// scratch of loopio_linux.go.
	ready []wakeup
	lio   loopIO

	// Servers woken by something other than input (a message, the
	// timeout, Close), for the loop to serve: guarded by mu. A byte in the
	// pipe wakeR, wakeW tells the loop; wakeSent says one is on its way.
	woken        []*Server
	wakeR, wakeW int
	wakeSent     atomic.Bool
}

// newEventLoop makes an event loop, which serves its servers' sockets
// itself, lending them read buffers of size bytes.
func newEventLoop(size int) (*eventLoop, error) {
	l := &eventLoop{}
	l.edge = true
	if err := l.open(); err != nil {
		return nil, err
	}
	l.poll = l.turn
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		l.close()
		return nil, os.NewSyscallError("pipe2", err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(p[0])}
	if err := l.ctl(syscall.EPOLL_CTL_ADD, p[0], &ev); err != nil {
		l.close()
		_ = syscall.Close(p[0])
		_ = syscall.Close(p[1])
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	l.wakeR, l.wakeW = p[0], p[1]
	l.lio.size = size
	return l, nil
}

// run is the loop's goroutine: it serves its sockets until close.
func (l *eventLoop) run() {
	// turn never reports done: Read returns when the loop is closed, and
	// no server is left to enqueue itself.
	_ = l.rc.Read(l.poll)
	_ = syscall.Close(l.wakeR)
	_ = syscall.Close(l.wakeW)
}

// turn is what the loop's goroutine runs when the epoll descriptor is
// ready: serveReady; it reports false, to wait again.
func (l *eventLoop) turn(epfd uintptr) bool {
	l.serveReady(int(epfd))
	return false
}

// enqueue has the event loop serve s, which the caller woke from asleep
// for something other than input.
func (l *eventLoop) enqueue(s *Server) {
	l.mu.Lock()
	l.woken = append(l.woken, s)
	l.mu.Unlock()
	if !l.wakeSent.Swap(true) {
		// A full pipe (EAGAIN) has a byte for the loop already.
		b := [1]byte{1}
		_, _ = syscall.Write(l.wakeW, b[:])
	}
}

// takeWoken empties the pipe and appends the servers enqueued to l.ready.
func (l *eventLoop) takeWoken() {
	var b [64]byte
	for {
		if n, err := syscall.Read(l.wakeR, b[:]); n <= 0 || err != nil {
			break
		}
	}
	// Cleared before the queue is taken: a server enqueued after that
	// sends a byte again.
	l.wakeSent.Store(false)
	l.mu.Lock()
	for i, s := range l.woken {
		l.ready = append(l.ready, wakeup{s: s, woken: true})
		l.woken[i] = nil
	}
	l.woken = l.woken[:0]
	l.mu.Unlock()
}

// serveReady is an event loop's turn: it serves the servers whose sockets
// have input, on the loop's goroutine, until the epoll set has no more to
// report. The loop then waits for the runtime to say the epoll descriptor is
// readable, which it does for anything that arrived since the last
// epoll_wait: the loop never returns from its Read until it is closed.
func (l *eventLoop) serveReady(epfd int) {
	for {
		n := epollPoll(epfd, l.evs[:])
		if n <= 0 {
			return
		}
		woken := false
		l.mu.Lock()
		for _, ev := range l.evs[:n] {
			if int(ev.Fd) == l.wakeR {
				woken = true
			} else if s := l.byFD[int(ev.Fd)]; s != nil {
				l.ready = append(l.ready, wakeup{s: s, hup: ev.Events&hupEvents != 0})
			}
		}
		l.mu.Unlock()
		if woken {
			l.takeWoken()
		}
		// Without the lock, which parking a server again takes.
		for i, w := range l.ready {
			l.ready[i] = wakeup{}
			if w.woken {
				w.s.serveOnLoop(l, w)
			} else {
				w.s.wakeOnLoop(l, w)
			}
		}
		l.ready = l.ready[:0]
		if n < len(l.evs) {
			return
		}
	}
}
