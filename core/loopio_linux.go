package core

import (
	"os"
	"syscall"
	"unsafe"
)

// iovMax is how many slices one writev takes (IOV_MAX on Linux).
const iovMax = 1024

// loopIO is an event loop's scratch for the system calls it makes on its
// servers' sockets, owned by the loop's goroutine. The sockets do not block,
// so the calls are raw: they skip the scheduler's bookkeeping for a system
// call that may block. They use the descriptor directly, without
// syscall.RawConn.Control: a socket on a loop is closed only by its own
// server, never while its loop serves it (Server.Close shuts it down
// instead), so its descriptor cannot be closed and reused meanwhile.
type loopIO struct {
	epfd  int     // the loop's epoll descriptor
	size  int     // the read buffer size of the loop's servers
	spare *[]byte // a read buffer to lend

	bufs [][]byte // to write
	iov  []syscall.Iovec
	n    int
	err  error
}

func (l *loopIO) init(size int) {
	l.size = size
}

// lend returns a read buffer for a server the loop serves.
func (h *hibernator) lend(size int) *[]byte {
	if p := h.lio.spare; p != nil && size == h.lio.size {
		h.lio.spare = nil
		return p
	}
	return getBuf(size)
}

// reclaim takes back a read buffer the server no longer needs.
func (h *hibernator) reclaim(p *[]byte) {
	if p == nil {
		return
	}
	// getBuf rounds sizes up to a power of two: keep one of the size it
	// gives for the loop's, not a buffer a framer grew.
	if h.lio.spare == nil && len(*p) == 1<<bufShift(h.lio.size) {
		h.lio.spare = p
		return
	}
	putBuf(p)
}

// writeBufs writes bufs to the socket fd without waiting, and reports how
// many bytes it wrote: all of them, or fewer with errWouldBlock when the
// socket would take no more.
func (h *hibernator) writeBufs(fd int32, bufs [][]byte) (int, error) {
	l := &h.lio
	l.bufs, l.n, l.err = bufs, 0, nil
	l.writeFD(uintptr(fd))
	l.bufs = nil
	clear(l.iov)
	return l.n, l.err
}

func (l *loopIO) writeFD(fd uintptr) {
	bufs := l.bufs
	for len(bufs) > 0 {
		var (
			n     int
			errno syscall.Errno
		)
		if len(bufs) == 1 {
			n, errno = sysWrite(fd, bufs[0])
		} else {
			l.iov = l.iov[:0]
			for _, b := range bufs[:min(len(bufs), iovMax)] {
				if len(b) > 0 {
					v := syscall.Iovec{Base: &b[0]}
					v.SetLen(len(b))
					l.iov = append(l.iov, v)
				}
			}
			var r uintptr
			r, _, errno = syscall.RawSyscall(syscall.SYS_WRITEV, fd,
				uintptr(unsafe.Pointer(unsafe.SliceData(l.iov))), uintptr(len(l.iov)))
			n = int(r)
		}
		switch errno {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			l.err = errWouldBlock
			return
		default:
			l.err = os.NewSyscallError("write", errno)
			return
		}
		l.n += n
		for n > 0 {
			if n < len(bufs[0]) {
				bufs[0] = bufs[0][n:]
				break
			}
			n -= len(bufs[0])
			bufs = bufs[1:]
		}
		for len(bufs) > 0 && len(bufs[0]) == 0 {
			bufs = bufs[1:]
		}
	}
}
