//go:build unix && !linux

package core

import "syscall"

// sysRead and sysWrite are read(2) and write(2) on a socket, through package
// syscall's wrappers.
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Read(int(fd), p)
	errno, _ := err.(syscall.Errno)
	return max(n, 0), errno
}

func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Write(int(fd), p)
	errno, _ := err.(syscall.Errno)
	return max(n, 0), errno
}
