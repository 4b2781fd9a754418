//go:build linux

package core

import (
	"syscall"
	"unsafe"
)

// canSeeEnd says that inputEnded works here.
const canSeeEnd = true

// inputEnded reports whether the TCP socket fd has received its peer's FIN,
// input still unread before it or not, from the state in its TCP_INFO;
// known is false if fd is not a TCP socket.
func inputEnded(fd uintptr) (ended, known bool) {
	var info [8]byte // tcp_info starts with tcpi_state
	size := uint32(len(info))
	_, _, errno := syscall.RawSyscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO,
		uintptr(unsafe.Pointer(&info[0])), uintptr(unsafe.Pointer(&size)), 0)
	if errno != 0 || size < 1 {
		return false, false
	}
	switch info[0] {
	case tcpEstablished, tcpFinWait1, tcpFinWait2:
		return false, true
	}
	return true, true // close-wait and the states after it
}

// TCP states of <netinet/tcp.h> in which the peer's FIN has not arrived.
const (
	tcpEstablished = 1
	tcpFinWait1    = 4
	tcpFinWait2    = 5
)
