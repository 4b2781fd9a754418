//go:build linux && (mips || mipsle || mips64 || mips64le)

package tcp

// soReusePort is SO_REUSEPORT from the kernel's arch/mips socket.h.
const soReusePort = 0x200
