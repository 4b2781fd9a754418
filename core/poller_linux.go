package core

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// hibernator is an endpoint's poller of hibernating servers: an epoll
// instance holding their sockets, one-shot, and one goroutine that waits on
// it. The epoll descriptor is itself watched by the Go runtime's poller, so
// the goroutine waits like any network read, holding no thread, and its read
// deadline paces the endpoint's sweeps.
type hibernator struct {
	f     *os.File
	rc    syscall.RawConn
	every time.Duration
	sweep func()

	mu   sync.Mutex
	byFD map[int]*Server

	evs  [64]syscall.EpollEvent // owned by the goroutine
	poll func(fd uintptr) bool  // h.wakeReady, bound once

	// An event loop's (Config.EventLoop), owned by its goroutine: the
	// servers one turn serves, and the scratch of loopio.go.
	loop  bool
	ready []wakeup
	lio   loopIO

	// An event loop's servers woken by something other than input (a
	// message, the timeout, Close), for the loop to serve: guarded by mu.
	// A byte in the pipe wakeR, wakeW tells the loop; wakeSent says one
	// is on its way.
	woken        []*Server
	wakeR, wakeW int
	wakeSent     atomic.Bool
}

// newHibernator makes a poller that calls sweep every so often.
func newHibernator(every time.Duration, sweep func()) (*hibernator, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	f := os.NewFile(uintptr(fd), "ace-hibernator")
	// Deadlines work only on a descriptor the runtime's poller accepted.
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("epoll descriptor not pollable: %w", err)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	h := &hibernator{f: f, rc: rc, every: every, sweep: sweep, byFD: make(map[int]*Server)}
	h.poll = h.wakeReady
	return h, nil
}

// newLoop makes an event loop, which serves its servers' sockets itself,
// lending them read buffers of size bytes.
func newLoop(size int) (*hibernator, error) {
	h, err := newHibernator(0, nil)
	if err != nil {
		return nil, err
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		h.close()
		return nil, os.NewSyscallError("pipe2", err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(p[0])}
	if err := h.ctl(syscall.EPOLL_CTL_ADD, p[0], &ev); err != nil {
		h.close()
		_ = syscall.Close(p[0])
		_ = syscall.Close(p[1])
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	h.loop, h.wakeR, h.wakeW = true, p[0], p[1]
	h.lio.size = size
	return h, nil
}

// enqueue has the event loop serve s, which the caller woke from asleep
// for something other than input.
func (h *hibernator) enqueue(s *Server) {
	h.mu.Lock()
	h.woken = append(h.woken, s)
	h.mu.Unlock()
	if !h.wakeSent.Swap(true) {
		// A full pipe (EAGAIN) has a byte for the loop already.
		b := [1]byte{1}
		_, _ = syscall.Write(h.wakeW, b[:])
	}
}

// takeWoken empties the pipe and appends the servers enqueued to h.ready.
func (h *hibernator) takeWoken() {
	var b [64]byte
	for {
		if n, err := syscall.Read(h.wakeR, b[:]); n <= 0 || err != nil {
			break
		}
	}
	// Cleared before the queue is taken: a server enqueued after that
	// sends a byte again.
	h.wakeSent.Store(false)
	h.mu.Lock()
	for i, s := range h.woken {
		h.ready = append(h.ready, wakeup{s: s, woken: true})
		h.woken[i] = nil
	}
	h.woken = h.woken[:0]
	h.mu.Unlock()
}

// run is the poller's goroutine: it wakes the servers whose sockets are
// ready and sweeps every h.every, until close. An event loop has no sweep.
func (h *hibernator) run() {
	if h.loop {
		// wakeReady never reports done: Read returns when the loop is
		// closed, and no server is left to enqueue itself.
		_ = h.rc.Read(h.poll)
		_ = syscall.Close(h.wakeR)
		_ = syscall.Close(h.wakeW)
		return
	}
	next := time.Now().Add(h.every)
	for {
		_ = h.f.SetReadDeadline(next)
		err := h.rc.Read(h.poll)
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return // closed
		}
		if now := time.Now(); !now.Before(next) {
			h.sweep()
			next = now.Add(h.every)
		}
	}
}

// wakeReady wakes the servers of the ready sockets; it reports false, to
// wait, when there are none.
func (h *hibernator) wakeReady(epfd uintptr) bool {
	if h.loop {
		h.serveReady(int(epfd))
		return false
	}
	n, err := syscall.EpollWait(int(epfd), h.evs[:], 0)
	if err != nil || n <= 0 {
		// EINTR: try again once the runtime says the descriptor is
		// ready, which it still is.
		return false
	}
	h.mu.Lock()
	for _, ev := range h.evs[:n] {
		if s := h.byFD[int(ev.Fd)]; s != nil {
			s.wake()
		}
	}
	h.mu.Unlock()
	return true
}

// serveReady is an event loop's turn: it serves the servers whose sockets
// have input, on the loop's goroutine, until the epoll set has no more to
// report. The loop then waits for the runtime to say the epoll descriptor is
// readable, which it does for anything that arrived since the last
// epoll_wait: the loop never returns from its Read until it is closed.
func (h *hibernator) serveReady(epfd int) {
	for {
		n := epollPoll(epfd, h.evs[:])
		if n <= 0 {
			return
		}
		woken := false
		h.mu.Lock()
		for _, ev := range h.evs[:n] {
			if int(ev.Fd) == h.wakeR {
				woken = true
			} else if s := h.byFD[int(ev.Fd)]; s != nil {
				h.ready = append(h.ready, wakeup{s: s, hup: ev.Events&hupEvents != 0})
			}
		}
		h.mu.Unlock()
		if woken {
			h.takeWoken()
		}
		// Without the lock, which parking a server again takes.
		for i, w := range h.ready {
			h.ready[i] = wakeup{}
			if w.woken {
				w.s.serveOnLoop(h, w)
			} else {
				w.s.wakeOnLoop(h, w)
			}
		}
		h.ready = h.ready[:0]
		if n < len(h.evs) {
			return
		}
	}
}

// epollPoll is epoll_wait with no timeout (epoll_pwait with no signal mask,
// which every Linux architecture has), as a raw system call since it
// does not block; it reports how many events it stored, 0 on an error (the
// descriptor closed).
func epollPoll(epfd int, evs []syscall.EpollEvent) int {
	for {
		n, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(epfd),
			uintptr(unsafe.Pointer(unsafe.SliceData(evs))), uintptr(len(evs)), 0, 0, 0)
		switch errno {
		case 0:
			return int(n)
		case syscall.EINTR:
			// The runtime's descriptor is edge-triggered: waiting
			// now could miss what is already there.
		default:
			return 0
		}
	}
}

// hupEvents are the events that say the peer hung up or the socket failed:
// a read that returns less than its buffer may then still be followed by
// the end of the input, for which no other edge comes.
const hupEvents = syscall.EPOLLRDHUP | syscall.EPOLLHUP | syscall.EPOLLERR

// epollET is syscall.EPOLLET as the uint32 of an EpollEvent.
const epollET = 1 << 31

// ctl runs epoll_ctl on the poller's epoll descriptor.
func (h *hibernator) ctl(op, fd int, ev *syscall.EpollEvent) error {
	var err error
	if cerr := h.rc.Control(func(epfd uintptr) {
		err = syscall.EpollCtl(int(epfd), op, fd, ev)
	}); cerr != nil {
		return cerr
	}
	return err
}

// watch arms s's socket, for one event. The socket's descriptor is used
// inside RawConn.Control only, so it cannot be closed and reused meanwhile.
//
// An event loop's sockets are armed once and for all, edge-triggered: the
// loop hears of every arrival of input, and a server that finds input there
// when it is not asleep is kicked (see Server.wakeOnLoop), so that no edge is
// lost, and parking again costs no system call.
func (h *hibernator) watch(s *Server) error {
	hb := &s.hib
	events := uint32(syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT)
	if h.loop {
		events = syscall.EPOLLIN | syscall.EPOLLRDHUP | epollET
	}
	var err error
	if cerr := hb.rc.Control(func(fd uintptr) {
		h.mu.Lock()
		h.byFD[int(fd)] = s
		h.mu.Unlock()
		ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
		op := syscall.EPOLL_CTL_ADD
		if hb.registered {
			op = syscall.EPOLL_CTL_MOD
		}
		err = h.ctl(op, int(fd), &ev)
		if errors.Is(err, syscall.ENOENT) && op == syscall.EPOLL_CTL_MOD {
			err = h.ctl(syscall.EPOLL_CTL_ADD, int(fd), &ev)
		}
		if err == nil {
			hb.registered, hb.fd = true, int32(fd)
		} else if !hb.registered {
			h.mu.Lock()
			delete(h.byFD, int(fd))
			h.mu.Unlock()
		}
	}); cerr != nil {
		return cerr
	}
	if err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// unwatch takes s's socket out of the epoll set. A closed socket has left it
// already.
func (h *hibernator) unwatch(s *Server) {
	hb := &s.hib
	_ = hb.rc.Control(func(fd uintptr) {
		_ = h.ctl(syscall.EPOLL_CTL_DEL, int(fd), nil)
	})
	h.mu.Lock()
	if fd := int(hb.fd); h.byFD[fd] == s {
		delete(h.byFD, fd)
	}
	h.mu.Unlock()
	hb.registered = false
}

// close stops the goroutine and releases the epoll descriptor.
func (h *hibernator) close() { _ = h.f.Close() }
