package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Callgrind holds the programs that count a server's instructions: valgrind,
// which runs the server under its callgrind tool, and vgdb, through which
// the harness zeroes and dumps the counts of the running server.
type Callgrind struct {
	Valgrind, Vgdb string
}

// LookCallgrind finds valgrind (the executable valgrind, or "valgrind" in
// PATH when it is empty) and vgdb, beside valgrind or in PATH.
func LookCallgrind(valgrind string) (Callgrind, error) {
	if valgrind == "" {
		valgrind = "valgrind"
	}
	var c Callgrind
	var err error
	if c.Valgrind, err = exec.LookPath(valgrind); err != nil {
		return c, fmt.Errorf("bench: counting instructions needs valgrind (apt-get install valgrind): %w", err)
	}
	if c.Vgdb, err = exec.LookPath(filepath.Join(filepath.Dir(c.Valgrind), "vgdb")); err != nil {
		if c.Vgdb, err = exec.LookPath("vgdb"); err != nil {
			return c, fmt.Errorf("bench: counting instructions needs valgrind's vgdb: %w", err)
		}
	}
	return c, nil
}

// Timeouts of callgrind runs, whose programs run some fifty times slower
// than natively.
const (
	callgrindStart = time.Minute      // until the server prints its address
	vgdbReady      = 30 * time.Second // until vgdb reaches it
	vgdbTimeout    = 30 * time.Second // for one vgdb command
	dumpTimeout    = 30 * time.Second // until a dump's file is complete
)

// callgrindGODEBUG is added to the servers' GODEBUG under callgrind.
// Callgrind 3.19 fails an assertion ("threads.c:247
// (vgCallgrind_post_signal)") and kills the run when a Go program handles
// a signal, often enough to kill most runs: Go's asynchronous preemption
// signals (SIGURG), which this turns off, and SIGPIPE, raised when a server
// writes to a connection wrk has closed at the end of a pipelined load,
// which the server programs ignore with -ignore-sigpipe. The servers'
// goroutines enter the scheduler at every system call, so they hardly need
// preempting.
const callgrindGODEBUG = "asyncpreemptoff=1"

// CallgrindProcess is a server program running under callgrind, which counts
// every instruction it executes (and executes it some fifty times slower,
// one thread at a time). Its files are in one directory: callgrind.out (the
// counts left at exit), callgrind.out.1, .2 and so on (one for each Dump),
// valgrind.log (valgrind's messages) and vgdb's FIFOs.
type CallgrindProcess struct {
	*Process
	tools Callgrind
	dir   string
	dumps int
}

// Start starts the server program at path with args under callgrind, its
// files in dir, and waits until it has printed its address and vgdb can
// reach it. Stop it with Stop.
func (c Callgrind) Start(ctx context.Context, name, dir, path string, args ...string) (*CallgrindProcess, error) {
	p := &CallgrindProcess{tools: c, dir: dir}
	vargs := append([]string{
		"--tool=callgrind",
		// valgrind runs one thread at a time. By default a thread that
		// spins (the Go runtime's background sweeper yielding until
		// another sweeper finishes) can keep the other threads from
		// running for minutes: one in four pipelined loads counted ten
		// to a hundred times the instructions, and servers took up to
		// two minutes to exit. Handing the lock round in turn stops it.
		"--fair-sched=yes",
		"--callgrind-out-file=" + p.out(),
		"--log-file=" + p.logFile(),
		"--vgdb=yes",
		"--vgdb-prefix=" + p.vgdbPrefix(),
		path,
	}, args...)
	godebug := callgrindGODEBUG
	if v := os.Getenv("GODEBUG"); v != "" {
		godebug = v + "," + godebug
	}
	var err error
	p.Process, err = startServer(ctx, name, []string{"GODEBUG=" + godebug}, callgrindStart, c.Valgrind, vargs...)
	if err != nil {
		return nil, p.withLog(err)
	}
	if err := p.waitVgdb(ctx); err != nil {
		_ = p.Process.Stop()
		return nil, err
	}
	return p, nil
}

func (p *CallgrindProcess) out() string        { return filepath.Join(p.dir, "callgrind.out") }
func (p *CallgrindProcess) logFile() string    { return filepath.Join(p.dir, "valgrind.log") }
func (p *CallgrindProcess) vgdbPrefix() string { return filepath.Join(p.dir, "vgdb") }

// waitVgdb zeroes the counters as soon as vgdb can reach the process:
// valgrind makes its FIFOs some time after the program starts.
func (p *CallgrindProcess) waitVgdb(ctx context.Context) error {
	deadline := time.Now().Add(vgdbReady)
	for {
		err := p.vgdb(ctx, "zero")
		switch {
		case err == nil || !errors.Is(err, errVgdbUnreachable):
			return err
		case time.Now().After(deadline):
			return p.withLog(err)
		}
		if exited(p.Pid) {
			return p.withLog(fmt.Errorf("bench: %s exited under callgrind", p.Name))
		}
		t := time.NewTimer(250 * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// errVgdbUnreachable reports that vgdb found no FIFO of the process: valgrind
// has not made them yet, or the process has ended.
var errVgdbUnreachable = errors.New("vgdb cannot reach the process")

// Zero sets the instruction counters to zero.
func (p *CallgrindProcess) Zero(ctx context.Context) error {
	return p.vgdb(ctx, "zero")
}

// Dump writes the counts since the last Zero or Dump into a file of their
// own, which it reads, and returns what they say and the file's path. label
// (letters, digits and dashes) goes into the file's description.
func (p *CallgrindProcess) Dump(ctx context.Context, label string) (*CallgrindProfile, string, error) {
	if label == "" || strings.ContainsFunc(label, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-'
	}) {
		return nil, "", fmt.Errorf("bench: dump label %q: want letters, digits and dashes", label)
	}
	if err := p.vgdb(ctx, "dump "+label); err != nil {
		return nil, "", err
	}
	p.dumps++
	file := fmt.Sprintf("%s.%d", p.out(), p.dumps)
	// callgrind has written the file when vgdb returns; a file still
	// growing would lack its final totals: line, so reading is retried.
	deadline := time.Now().Add(dumpTimeout)
	for {
		prof, err := readCallgrind(file)
		if err == nil || time.Now().After(deadline) {
			if err != nil {
				err = p.withLog(fmt.Errorf("bench: %s: dump %d: %w", p.Name, p.dumps, err))
			}
			return prof, file, err
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, file, ctx.Err()
		}
	}
}

// readCallgrind parses the callgrind output file at path.
func readCallgrind(path string) (*CallgrindProfile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseCallgrind(f)
}

// vgdb sends a monitor command to the process's callgrind. vgdb exits with
// status 1 when it finds no FIFO of the process, and prints nothing when
// callgrind carries the command out.
func (p *CallgrindProcess) vgdb(ctx context.Context, command string) error {
	ctx, cancel := context.WithTimeout(ctx, vgdbTimeout)
	defer cancel()
	args := append([]string{"--vgdb-prefix=" + p.vgdbPrefix(), "--pid=" + strconv.Itoa(p.Pid)}, strings.Fields(command)...)
	cmd := exec.CommandContext(ctx, p.tools.Vgdb, args...)
	cmd.SysProcAttr = childAttr()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	msg := strings.TrimSpace(stdout.String() + "\n" + stderr.String())
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && strings.Contains(msg, "no FIFO found"):
		return fmt.Errorf("bench: %s: vgdb %s: %w: %s", p.Name, command, errVgdbUnreachable, msg)
	case err != nil:
		return p.withLog(fmt.Errorf("bench: %s: vgdb %s: %w: %s", p.Name, command, err, msg))
	case strings.TrimSpace(stdout.String()) != "":
		return p.withLog(fmt.Errorf("bench: %s: vgdb %s: %s", p.Name, command, msg))
	}
	return nil
}

// Stop stops the server, as Process.Stop does, adding what valgrind said
// to an error.
func (p *CallgrindProcess) Stop() error {
	if err := p.Process.Stop(); err != nil {
		return p.withLog(err)
	}
	return nil
}

// withLog adds to err what valgrind's log says of a failure: its lines
// that valgrind did not prefix with "==pid==" (an assertion that failed, a
// crash report), and its prefixed lines about a signal or an error.
func (p *CallgrindProcess) withLog(err error) error {
	b, rerr := os.ReadFile(p.logFile())
	if rerr != nil {
		return err
	}
	var keep []string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "==") {
			_, rest, _ := strings.Cut(line[2:], "==")
			if !strings.Contains(rest, "signal") && !strings.Contains(rest, "rror") && !strings.Contains(rest, "terminating") {
				continue
			}
			line = strings.TrimSpace(rest)
		}
		if line == "" {
			continue
		}
		if keep = append(keep, line); len(keep) == 12 {
			break
		}
	}
	if len(keep) == 0 {
		return err
	}
	if bytes.Contains(b, []byte("Assertion '")) || bytes.Contains(b, []byte("the 'impossible' happened")) {
		err = fmt.Errorf("%w (%w)", err, ErrCallgrindCrashed)
	}
	return fmt.Errorf("%w\nvalgrind's log (%s):\n%s", err, p.logFile(), strings.Join(keep, "\n"))
}

// ErrCallgrindCrashed reports that valgrind's log tells of a crash of
// callgrind itself, not of the program it ran.
var ErrCallgrindCrashed = errors.New("callgrind crashed")

// exited reports whether the process pid has ended: it is gone, or a
// zombie waiting for its parent.
func exited(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return os.IsNotExist(err)
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && strings.HasPrefix(strings.TrimSpace(s[i+1:]), "Z")
}
