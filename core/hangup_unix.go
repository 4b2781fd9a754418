//go:build unix

package core

import "syscall"

// canPeek says that peekHangup works here.
const canPeek = true

// peekHangup waits until the socket behind rc is readable and reports
// whether what it finds is the end of the peer's input (or an error such as
// a reset) rather than data, which it leaves to be read. With opaque set,
// data is not an answer (it may be the records that precede a TLS
// connection's end): it waits on until the peer's stream has ended, or
// gives up, reporting false, where that cannot be seen (not Linux, not
// TCP).
func peekHangup(rc syscall.RawConn, opaque bool) (gone bool, err error) {
	var w hangupWatch
	w.opaque = opaque
	err = rc.Read(w.peekStep)
	return w.gone, err
}

// peekStep is peekHangup's step, for syscall.RawConn.Read: it reports
// whether it found its answer, which it leaves in w.gone.
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
