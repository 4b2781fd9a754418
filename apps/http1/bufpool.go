package http1

import (
	"math/bits"
	"sync"
)

// Buffers (input kept across packets, responses waiting to be written,
// response bodies waiting for their header) come from one pool per
// power-of-two size class, shared by every connection of the process. A
// buffer lives only while its connection needs it: an idle keep-alive
// connection holds none.
const (
	minPoolShift = 9  // 512 B
	maxPoolShift = 16 // 64 KiB
)

var pools [maxPoolShift + 1]sync.Pool

// getBuf returns a buffer of length and capacity at least n.
func getBuf(n int) *[]byte {
	shift := poolShift(n)
	if shift > maxPoolShift {
		b := make([]byte, n)
		return &b
	}
	if p, ok := pools[shift].Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, 1<<shift)
	return &b
}

// putBuf returns a buffer from getBuf to its pool; nil is ignored.
func putBuf(p *[]byte) {
	if p == nil {
		return
	}
	c := cap(*p)
	shift := poolShift(c)
	if c != 1<<shift || shift > maxPoolShift {
		return
	}
	*p = (*p)[:c]
	pools[shift].Put(p)
}

func poolShift(n int) int {
	if n <= 1<<minPoolShift {
		return minPoolShift
	}
	return bits.Len(uint(n - 1))
}
