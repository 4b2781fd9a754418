package echo

import (
	"fmt"
	"sync"
	"time"

	"github.com/ace-go/ace/core"
)

// DefaultGreeting is the line a line-mode server sends first when
// Config.Greeting is empty.
const DefaultGreeting = "WELCOME"

// Config configures an [App]. It follows the configuration convention of
// every ace module (docs/configuration.md): the zero value is ready to use
// (the line protocol with the default greeting, no idle timeout and core's
// default maximum line length), and a zero field means its default.
type Config struct {
	// Mode selects the protocol. Default Line.
	Mode Mode

	// Greeting is the line a line-mode server sends on connect, without its
	// terminator. Default "WELCOME". Raw mode sends no greeting.
	Greeting string

	// IdleTimeout closes a connection whose client has sent nothing for
	// that long, after sending "TIMEOUT" in line mode. Default 0: no
	// timeout (negative too).
	IdleTimeout time.Duration

	// MaxLine is the longest line accepted in line mode, in bytes, not
	// counting its terminator. Default core.DefaultMaxLine.
	MaxLine int
}

// App is the echo app. It makes one handler per connection and keeps the
// registry of live connections that /broadcast reaches. One App may serve
// several endpoints at once; a broadcast then reaches the connections of all
// of them.
type App struct {
	mode     Mode
	idle     time.Duration
	maxLine  int
	greeting []byte // greeting line, terminator included

	mu   sync.Mutex
	live map[*core.Server]struct{}
}

// New returns an echo app configured by cfg. It panics if cfg.Mode is neither
// Line nor Raw, a programming error (use ParseMode to read a mode from
// outside the program).
func New(cfg Config) *App {
	if cfg.Mode != Line && cfg.Mode != Raw {
		panic(fmt.Sprintf("echo: New with unknown %v", cfg.Mode))
	}
	a := &App{
		mode:    cfg.Mode,
		idle:    max(cfg.IdleTimeout, 0),
		maxLine: cfg.MaxLine,
		live:    make(map[*core.Server]struct{}),
	}
	if a.maxLine <= 0 {
		a.maxLine = core.DefaultMaxLine
	}
	if a.mode == Line {
		g := cfg.Greeting
		if g == "" {
			g = DefaultGreeting
		}
		a.greeting = []byte(g + "\n")
	}
	return a
}

// Framer returns how the app's input is framed: core.Lines(MaxLine) in line
// mode, core.Raw() in raw mode. An endpoint whose core.Config.Framer is nil
// uses it.
func (a *App) Framer() core.Framer {
	if a.mode == Raw {
		return core.Raw()
	}
	return core.Lines(a.maxLine)
}

// NewHandler implements core.App: it returns the handler of one connection.
func (a *App) NewHandler(core.ConnInfo) core.Handler {
	if a.mode == Raw {
		return &rawHandler{app: a, idle: idleTimer{d: a.idle}}
	}
	return &lineHandler{app: a, idle: idleTimer{d: a.idle}}
}

// Live reports how many connections of this app are live, that is connected
// and not yet disconnected; in line mode, these are the connections a
// broadcast reaches.
func (a *App) Live() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.live)
}

// register adds the server of a connection that has just connected.
func (a *App) register(s *core.Server) {
	a.mu.Lock()
	a.live[s] = struct{}{}
	a.mu.Unlock()
}

// unregister removes the server of a connection that has ended.
func (a *App) unregister(s *core.Server) {
	a.mu.Lock()
	delete(a.live, s)
	a.mu.Unlock()
}

// broadcast sends msg to every live server but from, and reports how many
// accepted it. Server.Send never blocks on a connection, so it is called with
// the registry locked.
func (a *App) broadcast(from *core.Server, msg any) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for s := range a.live {
		if s != from && s.Send(msg) == nil {
			n++
		}
	}
	return n
}
