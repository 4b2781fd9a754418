package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/ace-go/ace/core"
)

// Defaults of the flags every served app shares.
const (
	defaultListen          = "127.0.0.1:8080"
	defaultShutdownTimeout = 10 * time.Second
)

// appSpec describes an app that `ace serve` can run.
type appSpec struct {
	name    string
	summary string // one line, for the list of apps
	doc     string // what the app does, for `ace serve <name> --help`
	// flags defines the app's own flags on fs and returns a function
	// that makes the app once fs is parsed. set holds the names of the
	// flags given on the command line; log is the command's logger. The
	// function returns log attributes that describe the app; its error is
	// a usage error.
	flags func(fs *flag.FlagSet) (build func(set map[string]bool, log *slog.Logger) (core.App, []any, error))

	// alpn lists the ALPN protocols served over TLS when --alpn is not
	// given; nil for none.
	alpn []string
	// checkALPN, when set, rejects an --alpn list the app cannot serve.
	checkALPN func(protos []string) error
	// noQUIC, when set, is the usage error that --transport quic gets:
	// why the app cannot be served over QUIC.
	noQUIC string
	// noEventLoop, when set, is the usage error that --event-loop gets:
	// why the app cannot be served from event loops.
	noEventLoop string
}

// apps are the apps `ace serve` knows, in the order its help lists them.
var apps = []appSpec{echoSpec, http1Spec}

// lookupApp returns the app named name.
func lookupApp(name string) (appSpec, bool) {
	for _, spec := range apps {
		if spec.name == name {
			return spec, true
		}
	}
	return appSpec{}, false
}

// appNames lists the names of the apps for an error message.
func appNames() string {
	names := make([]string, len(apps))
	for i, spec := range apps {
		names[i] = spec.name
	}
	return strings.Join(names, ", ")
}

// serveFlags are the flags every app served by `ace serve` shares.
type serveFlags struct {
	listen          string
	acceptors       int
	maxConns        int
	hibernateAfter  time.Duration
	eventLoop       bool
	shutdownTimeout time.Duration
	debugAddr       string
	logLevel        slog.Level
	transportFlags
}

// register defines the flags on fs.
func (f *serveFlags) register(fs *flag.FlagSet) {
	f.transportFlags.register(fs)
	fs.StringVar(&f.listen, "listen", defaultListen,
		"`address` to listen on: host:port, or unix:/path for a Unix\n"+
			"socket; port 0 picks a free port, which the log reports")
	fs.IntVar(&f.acceptors, "acceptors", core.DefaultAcceptors,
		"how many servers wait in accept at any moment (`n` >= 1)")
	fs.IntVar(&f.maxConns, "max-conns", 0,
		"most connections served at once (`n`); at the limit accepting\n"+
			"pauses until one ends; 0 for no limit")
	fs.DurationVar(&f.hibernateAfter, "hibernate-after", core.DefaultHibernateAfter,
		"how long a TCP or Unix connection may be idle before its server\n"+
			"gives up its goroutine until input arrives (Linux); 0 never")
	fs.BoolVar(&f.eventLoop, "event-loop", false,
		"serve TCP and Unix connections from event loops, one per core,\n"+
			"rather than a goroutine each (Linux); for apps that never block")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", defaultShutdownTimeout,
		"how long a graceful shutdown may take; connections still open\n"+
			"after it are force-closed (the exit status is still 0)")
	fs.StringVar(&f.debugAddr, "debug-addr", "",
		"host:port `address` to serve /debug/vars, /debug/pprof/ and\n"+
			"/metrics on; empty for none")
	fs.TextVar(&f.logLevel, "log-level", slog.LevelInfo,
		"`level` of the least severe log records written: DEBUG (which\n"+
			"shows failed handshakes and their reasons), INFO, WARN or ERROR")
}

// validate reports flag values that make no sense.
func (f *serveFlags) validate() error {
	switch {
	case f.listen == "":
		return errors.New("--listen must not be empty")
	case f.acceptors < 1:
		return fmt.Errorf("--acceptors must be at least 1, not %d", f.acceptors)
	case f.maxConns < 0:
		return fmt.Errorf("--max-conns must not be negative, not %d", f.maxConns)
	case f.hibernateAfter < 0:
		return fmt.Errorf("--hibernate-after must not be negative, not %v", f.hibernateAfter)
	case f.shutdownTimeout < 0:
		return fmt.Errorf("--shutdown-timeout must not be negative, not %v", f.shutdownTimeout)
	}
	if err := checkAddr("listen", f.listen, true); err != nil {
		return err
	}
	if f.debugAddr != "" {
		return checkAddr("debug-addr", f.debugAddr, false)
	}
	return nil
}

// runServe runs `ace serve <app> [flags]`.
func runServe(ctx context.Context, args []string, env Env) int {
	const command = "ace serve"
	stdout, stderr := env.Stdout, env.Stderr
	switch {
	case len(args) == 0:
		return usageErr(stderr, command, "missing app name; the apps are %s", appNames())
	case isHelpFlag(args[0]):
		printServeUsage(stdout)
		return ExitOK
	case strings.HasPrefix(args[0], "-"):
		return usageErr(stderr, command, "%s before the app name; flags follow it: ace serve <app> [flags]", args[0])
	}
	spec, ok := lookupApp(args[0])
	if !ok {
		return usageErr(stderr, command, "unknown app %q; the apps are %s", args[0], appNames())
	}
	cfg, code := parseServe(spec, args[1:], stdout, stderr)
	if code >= 0 {
		return code
	}
	cfg.reload = env.Reload
	if err := serve(ctx, cfg); err != nil {
		cfg.log.Error("ace: "+spec.name+" failed", "err", err)
		return ExitFailure
	}
	return ExitOK
}

// parseServe parses the flags of `ace serve <spec.name>` into the
// configuration of serve. When the command must end without serving, it
// returns the exit status; otherwise it returns -1.
func parseServe(spec appSpec, args []string, stdout, stderr io.Writer) (serveConfig, int) {
	command := "ace serve " + spec.name
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	// Errors are reported by us, on one line; help goes to stdout.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var sf serveFlags
	sf.register(fs)
	build := spec.flags(fs)
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printAppUsage(stdout, spec)
			return serveConfig{}, ExitOK
		}
		return serveConfig{}, usageErr(stderr, command, "%v", err)
	}
	if fs.NArg() > 0 {
		return serveConfig{}, usageErr(stderr, command, "unexpected argument %q; every setting is a flag", fs.Arg(0))
	}
	if err := sf.validate(); err != nil {
		return serveConfig{}, usageErr(stderr, command, "%v", err)
	}
	if sf.eventLoop && spec.noEventLoop != "" {
		return serveConfig{}, usageErr(stderr, command, "%s", spec.noEventLoop)
	}
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	transport, err := sf.transportFlags.spec(spec, sf.listen, set)
	if err != nil {
		return serveConfig{}, usageErr(stderr, command, "%v", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: sf.logLevel}))
	app, attrs, err := build(set, log)
	if err != nil {
		return serveConfig{}, usageErr(stderr, command, "%v", err)
	}
	if sf.eventLoop {
		attrs = append(attrs, "event_loop", true)
	}
	return serveConfig{
		listen:    sf.listen,
		transport: transport,
		app:       app,
		attrs:     attrs,
		core: core.Config{
			Acceptors:        sf.acceptors,
			MaxConns:         sf.maxConns,
			HibernateAfter:   hibernateAfter(sf.hibernateAfter),
			EventLoop:        sf.eventLoop,
			HandshakeTimeout: transport.handshakeTimeout,
			Logger:           log,
		},
		shutdownTimeout: sf.shutdownTimeout,
		debugAddr:       sf.debugAddr,
		log:             log,
	}, -1
}

// hibernateAfter turns --hibernate-after into core.Config.HibernateAfter,
// where 0 means the default and a negative value never.
func hibernateAfter(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// serveConfig is everything serve needs to run one endpoint.
type serveConfig struct {
	listen          string
	transport       transportSpec
	app             core.App
	attrs           []any // describe the app (and --event-loop) in the "listening" log
	core            core.Config
	shutdownTimeout time.Duration
	debugAddr       string       // empty for no debug server
	log             *slog.Logger // the command's log; slog.Default() when nil
	// reload delivers a value each time the certificate files and the
	// client CA file should be read again; nil for never.
	reload <-chan os.Signal

	// ready, when set, is called once the endpoint and the debug server
	// listen, with their addresses (debug is nil without a debug server).
	ready func(addr, debug net.Addr)
}

// serve runs app on an endpoint until ctx is done, then shuts it down
// gracefully within c.shutdownTimeout, force-closing the connections that
// remain after it. Meanwhile, each value from c.reload makes it read its
// certificate files and client CA file again. It returns an error only if it
// could not start; a shutdown that had to force-close connections is logged,
// not an error.
func serve(ctx context.Context, c serveConfig) error {
	log := c.log
	if log == nil {
		log = slog.Default()
	}
	transport, files, err := openTransport(c.transport, log)
	if err != nil {
		return err
	}
	ep, err := core.Listen(ctx, transport, c.listen, c.app, c.core)
	if err != nil {
		return &listenError{flag: "--listen", addr: c.listen, err: err}
	}
	addr := ep.Addr()
	log.Info("ace: listening", append([]any{"transport", transportName(c.transport, addr), "addr", addr.String()}, c.attrs...)...)

	var dbg *debugServer
	var dbgAddr net.Addr
	if c.debugAddr != "" {
		dbg, err = startDebug(ctx, c.debugAddr, ep.Stats, log)
		if err != nil {
			_ = ep.Close()
			return &listenError{flag: "--debug-addr", addr: c.debugAddr, err: err}
		}
		dbgAddr = dbg.Addr()
		log.Info("ace: debug listening", "addr", dbgAddr.String(),
			"vars", "/debug/vars", "pprof", "/debug/pprof/", "metrics", "/metrics")
	}
	if c.ready != nil {
		c.ready(addr, dbgAddr)
	}

	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-c.reload:
			reloadFiles(log, files)
		}
	}
	log.Info("ace: shutting down", "reason", context.Cause(ctx),
		"active", ep.Stats().Active, "timeout", c.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.shutdownTimeout)
	defer cancel()
	if err := ep.Shutdown(sctx); err != nil {
		// Shutdown fails only when sctx expired: it force-closed what
		// remained and waited for it, so the endpoint is gone either way.
		log.Warn("ace: shutdown timed out; force-closed the remaining connections",
			"timeout", c.shutdownTimeout, "err", err)
	}
	if dbg != nil {
		if err := dbg.Close(); err != nil {
			log.Warn("ace: closing the debug server", "err", err)
		}
	}
	s := ep.Stats()
	log.Info("ace: stopped", "accepted", s.Accepted, "closed", s.Closed, "panicked", s.Panicked)
	return nil
}
