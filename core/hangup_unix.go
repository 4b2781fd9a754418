//go:build unix

package core

import "syscall"

// canPeek says that a watch can peek at a socket here.
const canPeek = true

// peekStep is a watch's step, for syscall.RawConn.Read: it looks at what
// the socket holds, without reading it, and reports whether that answers
// the watch, leaving the answer in w.gone: the end of the peer's input (or
// an error such as a reset) is a hang-up, data is not. With w.opaque set,
// data is not an answer either (it may be the records that precede a TLS
// connection's end): the watch waits on until the peer's stream has ended,
// or gives up, not gone, where that cannot be seen (not Linux, not TCP).
func (w *hangupWatch) peekStep(fd uintptr) bool {
	for {
		n, _, errno := syscall.Recvfrom(int(fd), w.buf[:], syscall.MSG_PEEK)
		switch errno {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // wait until readable
		case nil:
			if n > 0 && w.opaque {
				ended, known := inputEnded(fd)
				if known && !ended {
					return false // wait for more: the end, maybe
				}
				w.gone = ended
				return true
			}
			w.gone = n == 0
		default:
			w.gone = true
		}
		return true
	}
}
