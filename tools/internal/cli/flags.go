package cli

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// parseFlags parses args with fs and returns its error in the words of the
// command's help: flags with two dashes, and for a bad value, what the flag
// wants (package flag says "-name" and, for a number or a duration, only
// "parse error"). flag.ErrHelp is returned as is.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errors.New(flagError(fs, err.Error()))
}

// The errors of package flag's FlagSet.Parse that name a flag.
var (
	flagNotDefined = regexp.MustCompile(`^flag provided but not defined: -(.*)$`)
	flagNeedsArg   = regexp.MustCompile(`^flag needs an argument: -(.*)$`)
	flagBadValue   = regexp.MustCompile(`^invalid value ("(?:[^"\\]|\\.)*") for flag -([^:]*): (.*)$`)
	flagBadBool    = regexp.MustCompile(`^invalid boolean value ("(?:[^"\\]|\\.)*") for -([^:]*): (.*)$`)
)

// flagError rewrites msg, an error of fs.Parse, as parseFlags describes.
// A message it does not know is returned unchanged.
func flagError(fs *flag.FlagSet, msg string) string {
	if m := flagNotDefined.FindStringSubmatch(msg); m != nil {
		return "flag provided but not defined: --" + m[1]
	}
	if m := flagNeedsArg.FindStringSubmatch(msg); m != nil {
		return "flag needs an argument: --" + m[1]
	}
	var value, name, reason string
	if m := flagBadValue.FindStringSubmatch(msg); m != nil {
		value, name, reason = m[1], m[2], m[3]
	} else if m := flagBadBool.FindStringSubmatch(msg); m != nil {
		value, name, reason = m[1], m[2], m[3]
	} else {
		return msg
	}
	// Package flag's own values say only "parse error" or "value out of
	// range", and slog.Level's error restates the value: say what the
	// flag wants instead.
	if w := want(fs.Lookup(name)); w != "" {
		switch reason {
		case "value out of range":
			reason = "out of range; " + w
		default:
			if _, isLevel := getValue(fs.Lookup(name)).(*slog.Level); isLevel || reason == "parse error" {
				reason = w
			}
		}
	}
	return fmt.Sprintf("invalid value %s for flag --%s: %s", value, name, reason)
}

// getValue returns the value of f, or nil when f is nil or its value does
// not tell.
func getValue(f *flag.Flag) any {
	if f == nil {
		return nil
	}
	if g, ok := f.Value.(flag.Getter); ok {
		return g.Get()
	}
	return nil
}

// want says what kind of value f takes, or "" for a kind that the value's
// own errors describe.
func want(f *flag.Flag) string {
	switch getValue(f).(type) {
	case time.Duration:
		return "want a duration such as 500ms, 2s or 1m30s"
	case int, int64, uint, uint64:
		return "want a whole number"
	case float64:
		return "want a number"
	case bool:
		return "want true or false"
	case *slog.Level:
		return "want DEBUG, INFO, WARN or ERROR"
	}
	return ""
}

// flagName returns the name of the flag in arg, as typed: without its
// dashes and its =value.
func flagName(arg string) string {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return name
}

// checkAddr checks the syntax of addr, the value of the flag name: host:port
// with a port number or service name, or also unix:/path when unix is set.
// Whether the host resolves and the port is free is for listening to tell.
func checkAddr(name, addr string, unix bool) error {
	want := "want host:port, such as 127.0.0.1:8080 (port 0 picks a free port)"
	if unix {
		want += ", or unix:/path for a Unix socket"
	}
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		switch {
		case !unix:
			return fmt.Errorf("invalid address %q for flag --%s: %s, not a Unix socket", addr, name, want)
		case path == "":
			return fmt.Errorf("invalid address %q for flag --%s: no socket path; %s", addr, name, want)
		}
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("invalid address %q for flag --%s: %s", addr, name, want)
	}
	if n, err := strconv.Atoi(port); err == nil {
		if n < 0 || n > 65535 {
			return fmt.Errorf("invalid address %q for flag --%s: port %d is out of range 0 to 65535", addr, name, n)
		}
		return nil
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("invalid address %q for flag --%s: unknown port %q; %s", addr, name, port, want)
	}
	return nil
}

// listenError is a failure to listen on the address of a flag.
type listenError struct {
	flag string // the flag that gave the address, such as --listen
	addr string
	err  error
}

func (e *listenError) Error() string {
	if errors.Is(e.err, syscall.EADDRINUSE) {
		return fmt.Sprintf("cannot listen on %s (%s): the address is already in use, "+
			"by another program or another ace; choose another with %s (port 0 picks a free port)",
			e.addr, e.flag, e.flag)
	}
	return fmt.Sprintf("cannot listen on %s (%s): %v", e.addr, e.flag, e.err)
}

func (e *listenError) Unwrap() error { return e.err }
