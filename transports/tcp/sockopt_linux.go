//go:build linux && !(mips || mipsle || mips64 || mips64le)

package tcp

// soReusePort is SO_REUSEPORT from the kernel's asm-generic/socket.h. The
// frozen syscall package lacks it on some architectures (amd64 among them),
// and this module depends on nothing but core, so it is spelled out here.
const soReusePort = 0xf
