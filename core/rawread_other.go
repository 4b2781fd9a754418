//go:build !unix

package core

// Sockets are read and written through package net here; event loops, the
// only users of these, need epoll.

func readSocket(uintptr, []byte) (int, error) { return 0, errNoHibernation }

func (s *Server) shutdownSocket() {}
