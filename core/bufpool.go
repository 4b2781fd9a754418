package core

import (
	"math/bits"
	"sync"
)

// Read buffers come from one pool per power-of-two size class, shared by
// every server in the process.
const (
	minBufShift = 9  // 512 B
	maxBufShift = 20 // 1 MiB
)

var bufPools [maxBufShift + 1]sync.Pool

// getBuf returns a buffer of at least n bytes.
func getBuf(n int) *[]byte {
	shift := bufShift(n)
	if shift > maxBufShift {
		b := make([]byte, n)
		return &b
	}
	if p, ok := bufPools[shift].Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, 1<<shift)
	return &b
}

// putBuf returns a buffer from getBuf to its pool.
func putBuf(p *[]byte) {
	c := cap(*p)
	shift := bufShift(c)
	if c != 1<<shift || shift > maxBufShift {
		return
	}
	*p = (*p)[:c]
	bufPools[shift].Put(p)
}

func bufShift(n int) int {
	if n <= 1<<minBufShift {
		return minBufShift
	}
	return bits.Len(uint(n - 1))
}
