package conformance

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ace-go/ace/core"
)

// The probe is the app the suite serves over the transport under test. It
// speaks a line protocol (one command per line) and records every callback
// in a recorder, so that a case can check what the server did from both
// sides of the connection.
//
// On Connect it sends "hello <id>\n", where id numbers the connections of
// the recorder from 1 in the order their handlers were made. Commands:
//
//	close        close, sending "bye\n" (in two slices)
//	panic        panic in Packet
//	timeout <ms> reply "ok\n" with a timeout of <ms> milliseconds
//	set <value>  keep value as this connection's state; reply "ok\n"
//	get          reply "state <value>\n"
//	block        wait until the case releases the recorder; reply "unblocked\n"
//	anything     reply "echo: <line>\n"
//
// Info replies "info <n>\n" to an infoMsg, "timeout <ms>\n" to core.Timeout,
// and closes with "bye\n" on core.Shutdown unless told to ignore it.

// infoMsg is what cases send to a server with Server.Send.
type infoMsg int

// panicMsg makes the probe panic in Info.
type panicMsg struct{}

// probeOptions change the probe's behaviour for one case.
type probeOptions struct {
	// onConnect, when set, runs in Connect; if it returns ok, its action
	// replaces the greeting.
	onConnect func(id int) (a core.Action, ok bool)
	// ignoreShutdown makes the probe carry on when told to shut down.
	ignoreShutdown bool
}

// connRec is what the recorder knows about one connection.
type connRec struct {
	id         int
	server     *core.Server
	info       core.ConnInfo
	connected  bool
	connectSeq int

	packets     int
	infos       []int // the infoMsg values received, in order
	timeouts    int
	shutdowns   []core.Shutdown
	blocked     bool
	disconnects int
	disconSeq   int
	reason      error

	violations []string // rule breaches seen from inside the callbacks
}

// recorder records the callbacks of every connection of one case.
type recorder struct {
	opts probeOptions

	mu      sync.Mutex
	seq     int
	conns   []*connRec
	changed chan struct{} // closed and replaced on every event
	release chan struct{} // closed to unblock "block" commands
	relOnce sync.Once
}

func newRecorder(opts probeOptions) *recorder {
	return &recorder{
		opts:    opts,
		changed: make(chan struct{}),
		release: make(chan struct{}),
	}
}

// update runs f under the lock and wakes every waiter.
func (r *recorder) update(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	f()
	close(r.changed)
	r.changed = make(chan struct{})
}

// wait waits until cond, called under the lock, holds or ctx is done.
func (r *recorder) wait(ctx context.Context, cond func() bool) bool {
	for {
		r.mu.Lock()
		ok := cond()
		ch := r.changed
		r.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

// conn returns the record of connection id, or nil.
func (r *recorder) conn(id int) *connRec {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id < 1 || id > len(r.conns) {
		return nil
	}
	return r.conns[id-1]
}

// snapshot returns a copy of the record of connection id.
func (r *recorder) snapshot(id int) connRec {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id < 1 || id > len(r.conns) {
		return connRec{}
	}
	cr := *r.conns[id-1]
	cr.infos = append([]int(nil), cr.infos...)
	cr.shutdowns = append([]core.Shutdown(nil), cr.shutdowns...)
	cr.violations = append([]string(nil), cr.violations...)
	return cr
}

// count returns how many handlers the app made.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

// waitDisconnected waits until connection id's Disconnect ran.
func (r *recorder) waitDisconnected(ctx context.Context, id int) bool {
	return r.wait(ctx, func() bool {
		return id <= len(r.conns) && r.conns[id-1].disconnects > 0
	})
}

// unblock releases every "block" command, now and later.
func (r *recorder) unblock() { r.relOnce.Do(func() { close(r.release) }) }

// violations returns every breach recorded by the callbacks.
func (r *recorder) violations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, cr := range r.conns {
		out = append(out, cr.violations...)
	}
	return out
}

// probeApp makes probe handlers; it implements core.App.
type probeApp struct{ rec *recorder }

func (a probeApp) NewHandler(info core.ConnInfo) core.Handler {
	h := &probeHandler{rec: a.rec}
	a.rec.update(func() {
		h.cr = &connRec{id: len(a.rec.conns) + 1, info: info}
		a.rec.conns = append(a.rec.conns, h.cr)
	})
	return h
}

// probeHandler serves one connection. Its fields other than cr belong to
// the connection's callbacks, which must never run concurrently (S6); the
// race detector and the busy lock check that they do not.
type probeHandler struct {
	rec   *recorder
	cr    *connRec
	busy  sync.Mutex
	state string
}

// enter marks the start of a callback and records a breach if another
// callback of the same connection is running (S6) or if Disconnect already
// ran (S9). The caller must call the function it returns on exit.
func (h *probeHandler) enter(name string) func() {
	if !h.busy.TryLock() {
		h.violate(fmt.Sprintf("S6: %s ran while another callback of the same connection (conn %d) was running", name, h.cr.id))
		return func() {}
	}
	h.rec.mu.Lock()
	gone := h.cr.disconnects > 0
	h.rec.mu.Unlock()
	if gone {
		h.violate(fmt.Sprintf("S9: %s ran after Disconnect (conn %d)", name, h.cr.id))
	}
	return h.busy.Unlock
}

func (h *probeHandler) violate(msg string) {
	h.rec.update(func() { h.cr.violations = append(h.cr.violations, msg) })
}

func (h *probeHandler) Connect(self *core.Server, info core.ConnInfo) core.Action {
	defer h.enter("Connect")()
	h.rec.update(func() {
		h.cr.server = self
		h.cr.info = info
		h.cr.connected = true
		h.cr.connectSeq = h.rec.seq
	})
	if f := h.rec.opts.onConnect; f != nil {
		if a, ok := f(h.cr.id); ok {
			return a
		}
	}
	return core.Send([]byte("hello " + strconv.Itoa(h.cr.id) + "\n"))
}

func (h *probeHandler) Packet(data []byte) core.Action {
	defer h.enter("Packet")()
	h.rec.update(func() { h.cr.packets++ })
	line := string(data)
	cmd, arg, _ := strings.Cut(line, " ")
	switch cmd {
	case "close":
		return core.Close([]byte("bye"), []byte("\n"))
	case "panic":
		panic("conformance probe: panic in Packet")
	case "timeout":
		ms, err := strconv.Atoi(arg)
		if err != nil {
			return core.Send([]byte("error bad timeout\n"))
		}
		return core.Send([]byte("ok\n")).WithTimeout(time.Duration(ms) * time.Millisecond)
	case "set":
		h.state = arg
		return core.Send([]byte("ok\n"))
	case "get":
		return core.Send([]byte("state " + h.state + "\n"))
	case "block":
		h.rec.update(func() { h.cr.blocked = true })
		<-h.rec.release
		h.rec.update(func() { h.cr.blocked = false })
		return core.Send([]byte("unblocked\n"))
	}
	// data may be returned in the action: the server writes it before it
	// reuses its buffer.
	return core.Send([]byte("echo: "), data, []byte("\n"))
}

func (h *probeHandler) Info(msg any) core.Action {
	defer h.enter("Info")()
	switch m := msg.(type) {
	case infoMsg:
		h.rec.update(func() { h.cr.infos = append(h.cr.infos, int(m)) })
		return core.Send([]byte("info " + strconv.Itoa(int(m)) + "\n"))
	case panicMsg:
		panic("conformance probe: panic in Info")
	case core.Timeout:
		h.rec.update(func() { h.cr.timeouts++ })
		return core.Send([]byte("timeout " + strconv.FormatInt(m.After.Milliseconds(), 10) + "\n"))
	case core.Shutdown:
		h.rec.update(func() { h.cr.shutdowns = append(h.cr.shutdowns, m) })
		if h.rec.opts.ignoreShutdown {
			return core.Continue()
		}
		return core.Close([]byte("bye\n"))
	}
	return core.Send([]byte("info ?\n"))
}

func (h *probeHandler) Disconnect(reason error) {
	defer h.enter("Disconnect")()
	h.rec.update(func() {
		h.cr.disconnects++
		h.cr.disconSeq = h.rec.seq
		if h.cr.disconnects == 1 {
			h.cr.reason = reason
		}
	})
}
