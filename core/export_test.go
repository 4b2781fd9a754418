package core

// HangupWatchDone returns a channel closed once the goroutine of the
// hang-up watch that s runs has returned, or nil if s runs none.
func HangupWatchDone(s *Server) <-chan struct{} {
	if w := s.hang.Load(); w != nil {
		return w.done
	}
	return nil
}

// WithDefaults returns c as an endpoint serving app would use it.
func WithDefaults(c Config, app App) Config { return c.withDefaults(app) }
