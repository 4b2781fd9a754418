//go:build unix

package core

import "syscall"

// canPeek says that peekHangup works here.
const canPeek = true

// peekHangup waits until the socket behind rc is readable and reports
// whether what it finds is the end of the peer's input (or an error such as
// a reset) rather than data, which it leaves to be read.
func peekHangup(rc syscall.RawConn) (gone bool, err error) {
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, _, errno := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK)
			switch errno {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false // wait until readable
			case nil:
				gone = n == 0
			default:
				gone = true
			}
			return true
		}
	})
	return gone, err
}
