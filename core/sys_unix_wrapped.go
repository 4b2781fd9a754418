//go:build unix && (!linux || race)

package core

import "syscall"

// sysRead and sysWrite are read(2) and write(2) on a socket, through package
// syscall's wrappers: on Unix systems other than Linux, and under the race
// detector, which they tell what the kernel reads and writes.
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
