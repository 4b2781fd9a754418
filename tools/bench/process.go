package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/ace-go/ace/tools/bench/internal/serve"
)

// Timeouts of the conversation with a server program.
const (
	startTimeout   = 15 * time.Second // until it prints its address
	requestTimeout = 30 * time.Second // for a control command's answer
	stopTimeout    = 15 * time.Second // from "quit" until it has exited
)

// ServerStats is a server program's answer to the "stats" command: its
// count of accepted connections, and its Go runtime's counts of heap
// allocations, goroutines, heap and stack memory, garbage collections, the
// GC's CPU time and its pauses.
type ServerStats = serve.Stats

// Process is a running server program. The harness talks to it through its
// standard input and output: the program prints "listening on <addr>"
// first, and then answers each command line ("stats", "gc", "quit") with one
// line.
type Process struct {
	Name string
	Addr string
	Pid  int

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	done   chan struct{} // closed when the process is stopped
	stderr *tailBuffer

	stopOnce sync.Once
	stopErr  error
}

// StartServer starts the server program at path with args and waits for it
// to print its address. The process is killed when ctx ends; Stop ends it
// politely.
func StartServer(ctx context.Context, name, path string, args ...string) (*Process, error) {
	return startServer(ctx, name, nil, startTimeout, path, args...)
}

// startServer starts the program at path with args, env added to the
// harness's environment, and waits up to timeout for it to print its
// address.
func startServer(ctx context.Context, name string, env []string, timeout time.Duration, path string, args ...string) (*Process, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.SysProcAttr = childAttr()
	cmd.WaitDelay = 2 * time.Second
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	p := &Process{
		Name:   name,
		cmd:    cmd,
		lines:  make(chan string, 16),
		done:   make(chan struct{}),
		stderr: &tailBuffer{max: 8 << 10},
	}
	cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("bench: %s: %w", name, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", name, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", name, err)
	}
	p.Pid = cmd.Process.Pid
	go p.readLines(stdout)

	line, err := p.next(ctx, timeout)
	if err == nil {
		var ok bool
		if p.Addr, ok = strings.CutPrefix(line, "listening on "); !ok || p.Addr == "" {
			err = fmt.Errorf("bench: %s printed %q, not its address", name, line)
		}
	}
	if err != nil {
		_ = p.Stop()
		return nil, p.withStderr(err)
	}
	return p, nil
}

// readLines forwards the program's output lines until it ends or the
// process is stopped.
func (p *Process) readLines(r io.Reader) {
	defer close(p.lines)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		select {
		case p.lines <- sc.Text():
		case <-p.done:
			return
		}
	}
}

// next returns the program's next output line.
func (p *Process) next(ctx context.Context, timeout time.Duration) (string, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case line, ok := <-p.lines:
		if !ok {
			return "", fmt.Errorf("bench: %s exited", p.Name)
		}
		return line, nil
	case <-t.C:
		return "", fmt.Errorf("bench: %s did not answer within %v", p.Name, timeout)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// request sends one command and returns the line that answers it.
func (p *Process) request(ctx context.Context, command string) (string, error) {
	if _, err := io.WriteString(p.stdin, command+"\n"); err != nil {
		return "", p.withStderr(fmt.Errorf("bench: %s: send %q: %w", p.Name, command, err))
	}
	line, err := p.next(ctx, requestTimeout)
	if err != nil {
		return "", p.withStderr(err)
	}
	return line, nil
}

// Stats asks the program for its counters.
func (p *Process) Stats(ctx context.Context) (ServerStats, error) {
	var s ServerStats
	line, err := p.request(ctx, "stats")
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal([]byte(line), &s); err != nil {
		return s, fmt.Errorf("bench: %s: stats %q: %w", p.Name, line, err)
	}
	return s, nil
}

// HeapProfile asks the program to write a heap profile to path, after a
// garbage collection.
func (p *Process) HeapProfile(ctx context.Context, path string) error {
	line, err := p.request(ctx, "heap "+path)
	if err == nil && line != "ok" {
		err = fmt.Errorf("bench: %s: heap profile: %s", p.Name, line)
	}
	return err
}

// GC asks the program to collect garbage and return free memory to the
// operating system, and waits until it has.
func (p *Process) GC(ctx context.Context) error {
	line, err := p.request(ctx, "gc")
	if err == nil && line != "ok" {
		err = fmt.Errorf("bench: %s: gc answered %q", p.Name, line)
	}
	return err
}

// Stop asks the program to quit (closing its input), waits for it to exit,
// and kills it if it has not within a bound. It is idempotent and safe to
// call from a deferred cleanup.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() {
		_, _ = io.WriteString(p.stdin, "quit\n")
		_ = p.stdin.Close()
		kill := time.AfterFunc(stopTimeout, func() { _ = p.cmd.Process.Kill() })
		err := p.cmd.Wait()
		kill.Stop()
		close(p.done)
		if err != nil {
			p.stopErr = p.withStderr(fmt.Errorf("bench: %s: %w", p.Name, err))
		}
	})
	return p.stopErr
}

// withStderr adds the end of the program's error output to err.
func (p *Process) withStderr(err error) error {
	if tail := strings.TrimSpace(p.stderr.String()); tail != "" {
		return fmt.Errorf("%w\n%s stderr:\n%s", err, p.Name, tail)
	}
	return err
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(b)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
