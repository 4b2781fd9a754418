package core

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// poller is an epoll instance and the one goroutine that waits on it. The
// epoll descriptor is itself watched by the Go runtime's poller, so the
// goroutine waits like any network read, holding no thread.
//
// An endpoint has two kinds of poller. Its hibernation poller (newPoller)
// holds the sockets of hibernating servers, one-shot, wakes their servers
// when they are ready, and paces the endpoint's sweeps with its read
// deadline (see hibernate.go). Each of its event loops (Config.EventLoop)
// is built on one (see eventLoop, in eventloop_linux.go), whose goroutine
// serves the sockets itself.
type poller struct {
	f     *os.File
	rc    syscall.RawConn
	every time.Duration
	sweep func()
	edge  bool // sockets are armed once, edge-triggered: an event loop's

	mu   sync.Mutex
	byFD map[int]*Server

	evs  [64]syscall.EpollEvent // owned by the goroutine
	poll func(fd uintptr) bool  // what the goroutine runs when epoll is ready, bound once
}

// newPoller makes a hibernation poller that calls sweep every so often.
func newPoller(every time.Duration, sweep func()) (*poller, error) {
	p := &poller{every: every, sweep: sweep}
	if err := p.open(); err != nil {
		return nil, err
	}
	p.poll = p.wakeReady
	return p, nil
}

// open makes p's epoll instance.
func (p *poller) open() error {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		return os.NewSyscallError("setnonblock", err)
	}
	f := os.NewFile(uintptr(fd), "ace-poller")
	// Deadlines work only on a descriptor the runtime's poller accepted.
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		_ = f.Close()
		return fmt.Errorf("epoll descriptor not pollable: %w", err)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return err
	}
	p.f, p.rc, p.byFD = f, rc, make(map[int]*Server)
	return nil
}

// run is the hibernation poller's goroutine: it wakes the servers whose
// sockets are ready and sweeps every p.every, until close.
func (p *poller) run() {
	next := time.Now().Add(p.every)
	for {
		_ = p.f.SetReadDeadline(next)
		err := p.rc.Read(p.poll)
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return // closed
		}
		if now := time.Now(); !now.Before(next) {
			p.sweep()
			next = now.Add(p.every)
		}
	}
}

// wakeReady wakes the servers of the ready sockets; it reports false, to
// wait, when there are none.
func (p *poller) wakeReady(epfd uintptr) bool {
	n, err := syscall.EpollWait(int(epfd), p.evs[:], 0)
	if err != nil || n <= 0 {
		// EINTR: try again once the runtime says the descriptor is
		// ready, which it still is.
		return false
	}
	p.mu.Lock()
	for _, ev := range p.evs[:n] {
		if s := p.byFD[int(ev.Fd)]; s != nil {
			s.wake()
		}
	}
	p.mu.Unlock()
	return true
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
func (p *poller) ctl(op, fd int, ev *syscall.EpollEvent) error {
	var err error
	if cerr := p.rc.Control(func(epfd uintptr) {
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
func (p *poller) watch(s *Server) error {
	hb := &s.hib
	events := uint32(syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT)
	if p.edge {
		events = syscall.EPOLLIN | syscall.EPOLLRDHUP | epollET
	}
	var err error
	if cerr := hb.rc.Control(func(fd uintptr) {
		p.mu.Lock()
		p.byFD[int(fd)] = s
		p.mu.Unlock()
		ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
		op := syscall.EPOLL_CTL_ADD
		if hb.registered {
			op = syscall.EPOLL_CTL_MOD
		}
		err = p.ctl(op, int(fd), &ev)
		if errors.Is(err, syscall.ENOENT) && op == syscall.EPOLL_CTL_MOD {
			err = p.ctl(syscall.EPOLL_CTL_ADD, int(fd), &ev)
		}
		if err == nil {
			hb.registered, hb.fd = true, int32(fd)
		} else if !hb.registered {
			p.mu.Lock()
			delete(p.byFD, int(fd))
			p.mu.Unlock()
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
func (p *poller) unwatch(s *Server) {
	hb := &s.hib
	_ = hb.rc.Control(func(fd uintptr) {
		_ = p.ctl(syscall.EPOLL_CTL_DEL, int(fd), nil)
	})
	p.mu.Lock()
	if fd := int(hb.fd); p.byFD[fd] == s {
		delete(p.byFD, fd)
	}
	p.mu.Unlock()
	hb.registered = false
}

// close stops the goroutine and releases the epoll descriptor.
func (p *poller) close() { _ = p.f.Close() }
