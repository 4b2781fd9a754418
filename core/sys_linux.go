//go:build linux && !race

package core

import (
	"syscall"
	"unsafe"
)

// sysRead and sysWrite are read(2) and write(2) on a non-blocking socket, as
// raw system calls: they never block, so they skip the scheduler's
// bookkeeping for a call that may. Under the race detector, package
// syscall's wrappers are used instead (sys_unix_wrapped.go): they tell it what
// the kernel reads and writes, so that a handler that keeps a packet past
// its callback, while the buffer is read into again, is reported.
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd,
		uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), errno
}

func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, fd,
		uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), errno
}
