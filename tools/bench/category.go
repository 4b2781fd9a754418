package bench

import (
	"path"
	"strings"
)

// Category is a coarse part of a server's work, by the code that does it:
// see Categorize.
type Category int

// The categories, in the order the report shows them.
const (
	// CatServer is the server's own code: Ace's packages, fasthttp's,
	// gnet's, and the standard library's HTTP server (net/http and the
	// packages it parses requests with).
	CatServer Category = iota
	// CatScheduler is the Go runtime's scheduler and network poller:
	// parking and waking goroutines and threads, channels, locks,
	// semaphores, stacks, epoll.
	CatScheduler
	// CatSyscall is the system calls' wrappers: internal/poll, syscall,
	// net's connection methods, golang.org/x/sys/unix, and the runtime's
	// entersyscall and exitsyscall. (The kernel's own work is not counted.)
	CatSyscall
	// CatAlloc is memory allocation and garbage collection.
	CatAlloc
	// CatPool is sync.Pool, with the runtime's procPin and procUnpin that
	// it calls.
	CatPool
	// CatTime is reading the clock (package time, nanotime, the vDSO) and
	// the runtime's timers, which deadlines use.
	CatTime
	// CatOther is the rest: bufio, io, bytes, strings, strconv, context,
	// maps, memmove and memclr, interface conversions, and code without
	// symbols.
	CatOther
	// NumCategories counts the categories.
	NumCategories
)

var categoryNames = [NumCategories]string{
	CatServer:    "server code",
	CatScheduler: "scheduler, netpoll",
	CatSyscall:   "syscalls",
	CatAlloc:     "alloc, GC",
	CatPool:      "sync.Pool",
	CatTime:      "time",
	CatOther:     "other",
}

// String returns the category's name as the report's column heads show it.
func (c Category) String() string {
	if c < 0 || c >= NumCategories {
		return "unknown"
	}
	return categoryNames[c]
}

// serverPackages are the import paths, or their prefixes when they end in
// a slash, of the servers' own code.
var serverPackages = []string{
	"github.com/ace-go/ace/", // core, transports, apps, and the harness's handlers
	"github.com/valyala/",    // fasthttp and its byte buffers
	"github.com/panjf2000/",  // gnet and its goroutine pool
	"net/http", "net/http/",  // net/http and its internal packages
	"net/textproto", "net/url", // net/http's header and URL parsing
	"vendor/golang.org/x/net/http/", // net/http's vendored httpguts
	"golang.org/x/net/http/",        // the same, not vendored
}

// syscallPackages are the import paths, or prefixes ending in a slash, of
// system-call wrappers.
var syscallPackages = []string{
	"syscall", "internal/poll", "internal/syscall/", "internal/runtime/syscall",
	"internal/runtime/syscall/",
	"golang.org/x/sys/", "net",
}

// Runtime source files by category, by the start of their base name. The
// runtime's own functions are classified by file, since the function names
// do not say which part of the runtime they belong to.
var (
	runtimeAllocFiles = []string{
		"malloc", "mgc", "mbitmap", "mheap", "mcache", "mcentral", "mwbbuf",
		"mbarrier", "msize", "mspanset", "mstats", "mfinal", "mfixalloc",
		"mpagealloc", "mpagecache", "mpallocbits", "mranges", "mem_", "mem.go",
		"arena", "mcheckmark", "mcleanup", "mprof", "slice.go",
	}
	runtimeSchedulerFiles = []string{
		"proc.go", "netpoll", "lock_", "lockrank", "sema.go", "chan.go",
		"select.go", "os_linux", "sys_linux", "stack.go", "preempt", "signal_",
		"sigqueue", "asm_", "runtime1.go", "runtime2.go", "cgocall.go",
	}
	runtimeTimeFiles = []string{"time.go", "time_", "timestub", "timeasm", "vdso_"}
)

// Categorize returns the category of a function, from its symbol and its
// source file, by the first rule that matches:
//
//  1. CatPool: sync.Pool's methods and its poolqueue.go, and the functions
//     named procPin or procUnpin (runtime.procPin, sync.runtime_procPin).
//  2. CatSyscall: the runtime's entersyscall and exitsyscall families, and
//     the packages syscall, internal/poll, internal/syscall/...,
//     internal/runtime/syscall, golang.org/x/sys/... and net, unless the
//     function is a runtime one under a linkname (such as
//     internal/poll.runtime_pollWait in runtime/netpoll.go, which rule 4
//     takes).
//  3. CatTime: package time (time.Now, and time.now implemented in the
//     runtime), runtime.nanotime and runtime.walltime, and the vDSO.
//  4. The runtime (package runtime, or any standard library function in a
//     file of the runtime's directory), by the file's base name: CatAlloc for
//     malloc*, mgc*, mbitmap, mheap, mcache, mcentral, mwbbuf, mbarrier and
//     the rest of the memory manager, and slice.go (growslice); CatTime for
//     time.go (timers) and the clock's files; CatScheduler for proc.go,
//     netpoll*, lock_*, sema.go, chan.go, select.go, stack.go, os_linux*,
//     sys_linux*, signals, preemption and asm_* (gogo, mcall, systemstack),
//     but not the hash functions of asm_*; CatOther for the rest (memmove,
//     memclr, maps, interface conversions, strings, defer). The write
//     barrier and the garbage collector's packages (internal/runtime/gc)
//     are CatAlloc, and internal/runtime/atomic is CatScheduler.
//  5. CatServer: the packages of the servers' own code: Ace's
//     (github.com/ace-go/ace/...), fasthttp's (github.com/valyala/...),
//     gnet's (github.com/panjf2000/...), and net/http with net/textproto,
//     net/url and golang.org/x/net/http (vendored or not).
//  6. CatOther: everything else.
func Categorize(fc FunctionCost) Category {
	fn := trimRecursion(fc.Function)
	pkg := goPackage(fn)
	name := strings.TrimPrefix(fn, pkg+".")
	file := path.Base(strings.ReplaceAll(fc.File, "\\", "/"))
	// The runtime implements functions of other standard packages under
	// a linkname (internal/poll.runtime_pollWait): their file tells.
	inRuntime := pkg == "runtime" || isRuntimeFile(fc.File) && isStandard(pkg)

	switch {
	case pkg == "sync" && (strings.Contains(name, "Pool") || strings.Contains(name, "pool")),
		strings.HasSuffix(fn, "procPin"), strings.HasSuffix(fn, "procUnpin"),
		strings.HasSuffix(fc.File, "/sync/pool.go"), strings.HasSuffix(fc.File, "/sync/poolqueue.go"):
		return CatPool
	case pkg == "runtime" && (strings.HasPrefix(name, "entersyscall") || strings.HasPrefix(name, "reentersyscall") ||
		strings.HasPrefix(name, "exitsyscall")):
		return CatSyscall
	case !inRuntime && hasPackage(pkg, syscallPackages):
		return CatSyscall
	case pkg == "time", strings.HasPrefix(fn, "__vdso_"), strings.Contains(fc.Object, "vdso"),
		pkg == "runtime" && (strings.HasPrefix(name, "nanotime") || strings.HasPrefix(name, "walltime")):
		return CatTime
	case pkg == "internal/runtime/gc" || strings.HasPrefix(pkg, "internal/runtime/gc/"),
		pkg == "runtime" && (strings.HasPrefix(name, "gcWriteBarrier") || strings.HasPrefix(name, "wbBuf")):
		return CatAlloc
	case pkg == "internal/runtime/atomic":
		return CatScheduler
	case inRuntime:
		switch {
		case hasFilePrefix(file, runtimeAllocFiles):
			return CatAlloc
		case hasFilePrefix(file, runtimeTimeFiles):
			return CatTime
		case strings.HasPrefix(file, "asm_") && strings.Contains(strings.ToLower(name), "hash"):
			return CatOther
		case hasFilePrefix(file, runtimeSchedulerFiles):
			return CatScheduler
		}
		return CatOther
	case hasPackage(pkg, serverPackages):
		return CatServer
	}
	return CatOther
}

// Categorized adds the functions' own instructions up by category.
func Categorized(fns []FunctionCost) [NumCategories]uint64 {
	var by [NumCategories]uint64
	for _, fc := range fns {
		by[Categorize(fc)] += fc.Instructions
	}
	return by
}

// goPackage returns the import path of a Go symbol: up to the first dot
// after the last slash, type arguments left out. For "net/http.(*conn).serve"
// it is "net/http"; for a symbol without a dot (a C function, an address)
// it is "".
func goPackage(fn string) string {
	if i := strings.IndexByte(fn, '['); i >= 0 {
		fn = fn[:i]
	}
	slash := strings.LastIndexByte(fn, '/') + 1
	dot := strings.IndexByte(fn[slash:], '.')
	if dot < 0 {
		return ""
	}
	return fn[:slash+dot]
}

// hasPackage reports whether pkg is one of list, or under one of its
// entries that end in a slash.
func hasPackage(pkg string, list []string) bool {
	if pkg == "" {
		return false
	}
	for _, p := range list {
		if pkg == p || strings.HasSuffix(p, "/") && strings.HasPrefix(pkg, p) {
			return true
		}
	}
	return false
}

// hasFilePrefix reports whether the base name file starts with one of
// prefixes.
func hasFilePrefix(file string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(file, p) {
			return true
		}
	}
	return false
}

// isStandard reports whether pkg is a standard library package: its first
// path element has no dot.
func isStandard(pkg string) bool {
	first, _, _ := strings.Cut(pkg, "/")
	return pkg != "" && !strings.Contains(first, ".")
}

// isRuntimeFile reports whether file is in the runtime package's directory:
// GOROOT/src/runtime, or "runtime" in a build with -trimpath.
func isRuntimeFile(file string) bool {
	dir := path.Dir(strings.ReplaceAll(file, "\\", "/"))
	return dir == "runtime" || strings.HasSuffix(dir, "/src/runtime")
}
