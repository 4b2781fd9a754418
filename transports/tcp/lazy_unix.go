//go:build unix

package tcp

import (
	"syscall"

	"github.com/ace-go/ace/core"
)

// lazy gives a connection core.LazyReader's ReadLazily: a server waiting on
// an idle connection then holds no read buffer, only its goroutine.
type lazy struct{ *core.RawReader }

func newLazy(c syscall.Conn) lazy {
	rc, err := c.SyscallConn()
	if err != nil {
		// Only a closed connection fails here; it reads as closed.
		return lazy{}
	}
	return lazy{core.NewRawReader(rc)}
}

// ReadLazily implements core.LazyReader.
func (l lazy) ReadLazily(get func() []byte, put func()) (int, error) {
	if l.RawReader == nil {
		return 0, syscall.EINVAL
	}
	return l.RawReader.ReadLazily(get, put)
}
