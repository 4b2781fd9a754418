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
type RawReader struct {
	rc   syscall.RawConn
	get  func() []byte
	put  func()
	n    int
	err  error
	step func(fd uintptr) bool // r.read, bound once so reads allocate nothing
}

// NewRawReader returns a RawReader for the socket behind rc.
func NewRawReader(rc syscall.RawConn) *RawReader {
	r := &RawReader{rc: rc}
	r.step = r.read
	return r
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
	buf := r.get()
	for {
		n, err := syscall.Read(int(fd), buf)
		switch {
		case err == nil:
			if n == 0 && len(buf) > 0 {
				r.err = io.EOF
			} else {
				r.n = n
			}
		case err == syscall.EINTR: // syscall.Read returns a bare Errno
			continue
		case err == syscall.EAGAIN:
			r.put()
			return false
		default:
			r.err = os.NewSyscallError("read", err)
		}
		return true
	}
}
