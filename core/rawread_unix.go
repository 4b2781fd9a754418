//go:build unix

package core

import (
	"io"
	"os"
	"syscall"
)

// RawReader implements [LazyReader] for a socket through its syscall.RawConn:
// it reads with read(2) as package net does, but takes a buffer only when it
// tries to read, and gives it back before it waits. Only a connection whose
// bytes are the socket's bytes may use it (not TLS, say). A RawReader is used
// by one goroutine at a time.
//
// On Linux its system calls are raw (syscall.RawSyscall): the socket does
// not block, as package net's never do, so they skip the scheduler's
// bookkeeping for a call that may.
type RawReader struct {
	rc    syscall.RawConn
	get   func() []byte
	put   func()
	wbuf  []byte
	n     int
	err   error
	step  func(fd uintptr) bool // r.read, bound once so reads allocate nothing
	wstep func(fd uintptr)      // r.write, likewise
}

// NewRawReader returns a RawReader for the socket behind rc, which must be
// non-blocking, as package net's sockets are.
func NewRawReader(rc syscall.RawConn) *RawReader {
	r := &RawReader{rc: rc}
	r.step, r.wstep = r.read, r.write
	return r
}

// WriteNow writes as much of p as the socket takes at once, without
// waiting, and reports how much that was: less than len(p), with a nil
// error, when the socket's buffer is full. A server writes through it first
// and leaves the rest, if any, to the connection's Write, which waits. It
// writes nothing for a nil RawReader. Like ReadLazily, it is for one
// goroutine at a time, and the only writer of the socket.
func (r *RawReader) WriteNow(p []byte) (int, error) {
	if r == nil || len(p) == 0 {
		return 0, nil
	}
	r.wbuf, r.n, r.err = p, 0, nil
	err := r.rc.Control(r.wstep)
	r.wbuf = nil
	if err != nil {
		return 0, err
	}
	return r.n, r.err
}

// write makes one attempt, retrying only EINTR.
func (r *RawReader) write(fd uintptr) {
	r.n, r.err = writeSocket(fd, r.wbuf)
	if r.err == errWouldBlock {
		r.err = nil
	}
}

// readSocket reads once from a non-blocking socket: errWouldBlock when it
// has nothing to read, io.EOF at its end.
func readSocket(fd uintptr, buf []byte) (int, error) {
	for {
		n, errno := sysRead(fd, buf)
		switch errno {
		case 0:
			if n == 0 && len(buf) > 0 {
				return 0, io.EOF
			}
			return n, nil
		case syscall.EINTR:
		case syscall.EAGAIN:
			return 0, errWouldBlock
		default:
			return 0, os.NewSyscallError("read", errno)
		}
	}
}

// writeSocket writes once to a non-blocking socket: errWouldBlock when it
// takes nothing.
func writeSocket(fd uintptr, p []byte) (int, error) {
	for {
		n, errno := sysWrite(fd, p)
		switch errno {
		case 0:
			return n, nil
		case syscall.EINTR:
		case syscall.EAGAIN:
			return 0, errWouldBlock
		default:
			return 0, os.NewSyscallError("write", errno)
		}
	}
}

// RawConn returns the socket r reads from (nil for a nil RawReader). A
// connection that reads through a RawReader and has this method lets an
// endpoint watch its socket while it idles, so that its server can
// hibernate: give up its goroutine until the socket has input (see
// Config.HibernateAfter).
func (r *RawReader) RawConn() syscall.RawConn {
	if r == nil {
		return nil
	}
	return r.rc
}

// ReadLazily implements [LazyReader].
func (r *RawReader) ReadLazily(get func() []byte, put func()) (int, error) {
	r.get, r.put, r.n, r.err = get, put, 0, nil
	err := r.rc.Read(r.step)
	r.get, r.put = nil, nil
	if err != nil {
		return 0, err
	}
	return r.n, r.err
}

// read makes one attempt; it reports false to wait for the socket to be
// readable.
func (r *RawReader) read(fd uintptr) bool {
	n, err := readSocket(fd, r.get())
	if err == errWouldBlock {
		r.put()
		return false
	}
	r.n, r.err = n, err
	return true
}

// shutdownSocket shuts an event loop's socket down in both directions: the
// peer sees it closed, and every read and write of the server's fails or
// ends, until the server closes it.
func (s *Server) shutdownSocket() {
	_ = s.hib.rc.Control(func(fd uintptr) {
		_ = syscall.Shutdown(int(fd), syscall.SHUT_RDWR)
	})
}
