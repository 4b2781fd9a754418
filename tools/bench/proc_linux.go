package bench

import "syscall"

// childAttr makes a child process die with the harness, even when the
// harness itself is killed and cannot clean up.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
