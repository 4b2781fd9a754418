package conformance

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// logCapture is a slog.Handler that keeps the records the servers of a case
// log, so that cases can check what was logged (S12), and passes them on to
// the harness's logger, if any.
type logCapture struct {
	next  slog.Handler // nil to discard
	attrs []slog.Attr
	store *logStore
}

type logStore struct {
	mu      sync.Mutex
	records []string // one line per record: level, message and attributes
}

func newLogCapture(next *slog.Logger) *logCapture {
	lc := &logCapture{store: &logStore{}}
	if next != nil {
		lc.next = next.Handler()
	}
	return lc
}

func (h *logCapture) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || (h.next != nil && h.next.Enabled(ctx, l))
}

func (h *logCapture) Handle(ctx context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String())
	b.WriteString(" ")
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		b.WriteString(" ")
		b.WriteString(a.Key)
		b.WriteString("=")
		b.WriteString(a.Value.String())
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	h.store.mu.Lock()
	h.store.records = append(h.store.records, b.String())
	h.store.mu.Unlock()
	if h.next != nil && h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *logCapture) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	if h.next != nil {
		h2.next = h.next.WithAttrs(attrs)
	}
	return &h2
}

func (h *logCapture) WithGroup(name string) slog.Handler {
	h2 := *h
	if h.next != nil {
		h2.next = h.next.WithGroup(name)
	}
	return &h2
}

// records returns the lines logged so far.
func (h *logCapture) records() []string {
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	return append([]string(nil), h.store.records...)
}
