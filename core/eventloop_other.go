//go:build !linux

package core

// eventLoop is not available here: event loops need epoll too, so
// newEventLoop always fails.
type eventLoop struct{ poller }

func newEventLoop(int) (*eventLoop, error) { return nil, errNoHibernation }

func (*eventLoop) run()                                   {}
func (*eventLoop) lend() *[]byte                          { return getBuf(DefaultReadBufferSize) }
func (*eventLoop) enqueue(*Server)                        {}
func (*eventLoop) reclaim(p *[]byte)                      { putBuf(p) }
func (*eventLoop) writeBufs(int32, [][]byte) (int, error) { return 0, errNoHibernation }
