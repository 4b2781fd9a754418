package bench

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Machine describes where the harness ran.
type Machine struct {
	CPU        string // model name from /proc/cpuinfo
	Cores      int    // logical CPUs
	GOMAXPROCS int
	Kernel     string // /proc/sys/kernel/osrelease
	Go         string // the go command's version, which built the servers
	Wrk        string // wrk's version line, when wrk was used
	Valgrind   string // valgrind's version, when it counted instructions
	// LoadBefore and LoadAfter are /proc/loadavg at the start and the end:
	// other work on the machine skews every figure.
	LoadBefore, LoadAfter string
	// GoEnv is the Go runtime's settings in the environment, which every
	// server inherits ("GOGC=400"), in the order of goEnvVars; empty when
	// none is set and the servers run on the runtime's defaults.
	GoEnv []string
}

// goEnvVars are the environment variables that tune the Go runtime of the
// servers, and so their figures.
var goEnvVars = []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG"}

// goEnv returns the settings of goEnvVars that the environment has.
func goEnv() []string {
	var set []string
	for _, k := range goEnvVars {
		if v, ok := os.LookupEnv(k); ok {
			set = append(set, k+"="+v)
		}
	}
	return set
}

// probeMachine describes this machine; what it cannot learn it leaves empty.
func probeMachine(ctx context.Context, wrk string) Machine {
	m := Machine{
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		CPU:        cpuModel(),
		Kernel:     readTrimmed("/proc/sys/kernel/osrelease"),
		Go:         commandLine(ctx, "go", "env", "GOVERSION"),
		LoadBefore: loadAverage(),
		GoEnv:      goEnv(),
	}
	if m.Go == "" {
		m.Go = runtime.Version()
	}
	if wrk != "" {
		m.Wrk = commandLine(ctx, wrk, "-v")
	}
	return m
}

// cpuModel returns the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadAverage returns the three load averages of /proc/loadavg.
func loadAverage() string {
	f := strings.Fields(readTrimmed("/proc/loadavg"))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func readTrimmed(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// commandLine returns the first line a command prints, or "" if it fails to
// run within a few seconds.
func commandLine(ctx context.Context, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = childAttr()
	out, _ := cmd.CombinedOutput()
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}
