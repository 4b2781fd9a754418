package core

import (
	"os"
	"syscall"
	"unsafe"
)

// iovMax is how many slices one writev takes (IOV_MAX on Linux).
const iovMax = 1024

// loopIO is an event loop's scratch for its servers' sockets, owned by the
// loop's goroutine. The loop reads and writes the descriptors directly,
// without syscall.RawConn.Control: a socket on a loop is closed only by its
// own server, never while its loop serves it (Server.Close shuts it down
// instead), so its descriptor cannot be closed and reused meanwhile.
type loopIO struct {
	size  int     // the read buffer size of the loop's servers
	spare *[]byte // a read buffer to lend
	iov   []syscall.Iovec
}

// lend returns a read buffer for a server the loop serves.
func (l *eventLoop) lend() *[]byte {
	if p := l.lio.spare; p != nil {
		l.lio.spare = nil
		return p
	}
	return getBuf(l.lio.size)
}

// reclaim takes back a read buffer the server no longer needs.
func (l *eventLoop) reclaim(p *[]byte) {
	if p == nil {
		return
	}
	// getBuf rounds sizes up to a power of two: keep one of the size it
	// gives for the loop's, not a buffer a framer grew.
	if l.lio.spare == nil && len(*p) == 1<<bufShift(l.lio.size) {
		l.lio.spare = p
		return
	}
	putBuf(p)
}

// writeBufs writes bufs to the socket fd without waiting, and reports how
// many bytes it wrote: all of them, or fewer with errWouldBlock when the
// socket would take no more. It advances bufs' slices as it writes.
func (l *eventLoop) writeBufs(fd int32, bufs [][]byte) (int, error) {
	defer clear(l.lio.iov)
	total := 0
	for len(bufs) > 0 {
		var (
			n   int
			err error
		)
		if len(bufs) == 1 {
			n, err = writeSocket(uintptr(fd), bufs[0])
		} else {
			n, err = l.writev(uintptr(fd), bufs)
		}
		total += n
		if err != nil {
			return total, err
		}
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
	return total, nil
}

// writev writes once, as writeSocket does, from up to iovMax of bufs.
func (l *eventLoop) writev(fd uintptr, bufs [][]byte) (int, error) {
	lio := &l.lio
	lio.iov = lio.iov[:0]
	for _, b := range bufs[:min(len(bufs), iovMax)] {
		if len(b) > 0 {
			v := syscall.Iovec{Base: &b[0]}
			v.SetLen(len(b))
			lio.iov = append(lio.iov, v)
		}
	}
	for {
		n, _, errno := syscall.RawSyscall(syscall.SYS_WRITEV, fd,
			uintptr(unsafe.Pointer(unsafe.SliceData(lio.iov))), uintptr(len(lio.iov)))
		switch errno {
		case 0:
			return int(n), nil
		case syscall.EINTR:
		case syscall.EAGAIN:
			return 0, errWouldBlock
		default:
			return 0, os.NewSyscallError("writev", errno)
		}
	}
}
