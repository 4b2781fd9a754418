package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCategorizeFixture(t *testing.T) {
	by := Categorized(readFixture(t).Functions)
	want := [NumCategories]uint64{
		CatServer:    3 + 150 + 17 + 19 + 21, // serve.run, parseField, fasthttp, net/http, core's ring
		CatScheduler: 40 + 5 + 12 + 9 + 16,   // findRunnable, main, pollWait, gogo, futex
		CatSyscall:   30 + 13,                // reentersyscall, FD.Write
		CatAlloc:     25,                     // mallocgc
		CatPool:      7 + 11,                 // procPin, Pool.Get
		CatTime:      6 + 3,                  // time.now, nanotime1
		CatOther:     5 + 90 + 8 + 14 + 2,    // libc, stringslite, aeshash, memmove, no symbol
	}
	if by != want {
		for c := range NumCategories {
			if by[c] != want[c] {
				t.Errorf("%s: %d instructions, want %d", c, by[c], want[c])
			}
		}
	}
}

func TestCategorize(t *testing.T) {
	for _, tc := range []struct {
		file, fn string
		want     Category
	}{
		{"/work/main/core/server.go", "github.com/ace-go/ace/core.(*Server).loop", CatServer},
		{"/work/main/tools/bench/internal/hello/hello.go", "github.com/ace-go/ace/tools/bench/internal/hello.Handler.ServeHTTP", CatServer},
		{"github.com/ace-go/ace/apps/http1/parse.go", "github.com/ace-go/ace/apps/http1.parseField", CatServer}, // -trimpath
		{"/root/go/pkg/mod/github.com/panjf2000/gnet/v2@v2.9.7/eventloop_unix.go", "github.com/panjf2000/gnet/v2.(*eventloop).read", CatServer},
		{"/usr/local/go/src/net/textproto/reader.go", "net/textproto.CanonicalMIMEHeaderKey", CatServer},
		{"/usr/local/go/src/net/http/sniff.go", "net/http.DetectContentType", CatServer},
		{"/usr/local/go/src/net/http/internal/chunked.go", "net/http/internal.(*chunkedWriter).Write", CatServer},
		{"/usr/local/go/src/vendor/golang.org/x/net/http/httpguts/httplex.go", "vendor/golang.org/x/net/http/httpguts.ValidHeaderFieldName", CatServer},

		{"/usr/local/go/src/runtime/proc.go", "runtime.findRunnable", CatScheduler},
		{"/usr/local/go/src/runtime/proc.go", "runtime.mstart1", CatScheduler},
		{"/usr/local/go/src/runtime/netpoll_epoll.go", "runtime.netpoll", CatScheduler},
		{"/usr/local/go/src/runtime/netpoll.go", "internal/poll.runtime_pollSetDeadline", CatScheduler},
		{"/usr/local/go/src/runtime/lock_spinbit.go", "runtime.unlock2", CatScheduler},
		{"/usr/local/go/src/runtime/sema.go", "sync.runtime_SemacquireMutex", CatScheduler},
		{"/usr/local/go/src/runtime/chan.go", "runtime.chansend", CatScheduler},
		{"/usr/local/go/src/runtime/stack.go", "runtime.newstack", CatScheduler},
		{"/usr/local/go/src/internal/runtime/atomic/types.go", "internal/runtime/atomic.(*Uint32).Load", CatScheduler},
		{"runtime/proc.go", "runtime.schedule", CatScheduler}, // -trimpath

		{"/usr/local/go/src/runtime/proc.go", "runtime.reentersyscall", CatSyscall},
		{"/usr/local/go/src/runtime/proc.go", "runtime.exitsyscallfast", CatSyscall},
		{"/usr/local/go/src/internal/poll/fd_mutex.go", "internal/poll.(*fdMutex).rwlock", CatSyscall},
		{"/usr/local/go/src/syscall/syscall_linux.go", "syscall.Syscall", CatSyscall},
		{"/usr/local/go/src/internal/runtime/syscall/linux/asm_linux_amd64.s", "internal/runtime/syscall/linux.Syscall6", CatSyscall},
		{"/usr/local/go/src/net/net.go", "net.(*conn).Read", CatSyscall},
		{"/root/go/pkg/mod/golang.org/x/sys@v0.49.0/unix/zsyscall_linux_amd64.go", "golang.org/x/sys/unix.read", CatSyscall},

		{"/usr/local/go/src/runtime/malloc.go", "runtime.mallocgcSmallNoscan", CatAlloc},
		{"/usr/local/go/src/runtime/mgcmark.go", "runtime.scanobject", CatAlloc},
		{"/usr/local/go/src/runtime/mbitmap.go", "runtime.(*mspan).writeHeapBitsSmall", CatAlloc},
		{"/usr/local/go/src/runtime/slice.go", "runtime.growslice", CatAlloc},
		{"/usr/local/go/src/runtime/asm_amd64.s", "runtime.gcWriteBarrier2", CatAlloc},
		{"/usr/local/go/src/internal/runtime/gc/scan/scan_amd64.go", "internal/runtime/gc/scan.ScanSpanPacked", CatAlloc},

		{"/usr/local/go/src/sync/pool.go", "sync.(*Pool).pin", CatPool},
		{"/usr/local/go/src/sync/poolqueue.go", "sync.(*poolChain).popHead", CatPool},
		{"/usr/local/go/src/runtime/proc.go", "sync.runtime_procUnpin", CatPool},
		{"/usr/local/go/src/runtime/proc.go", "runtime.procPin", CatPool},

		{"/usr/local/go/src/time/time.go", "time.Time.Add", CatTime},
		{"/usr/local/go/src/runtime/time_linux_amd64.s", "time.now", CatTime},
		{"/usr/local/go/src/runtime/sys_linux_amd64.s", "runtime.nanotime1.abi0", CatTime},
		{"/usr/local/go/src/runtime/time.go", "runtime.(*timer).modify", CatTime},

		{"/usr/local/go/src/runtime/memmove_amd64.s", "runtime.memmove", CatOther},
		{"/usr/local/go/src/runtime/asm_amd64.s", "aeshashbody", CatOther},
		{"/usr/local/go/src/runtime/iface.go", "runtime.assertE2I", CatOther},
		{"/usr/local/go/src/internal/runtime/maps/runtime_faststr.go", "runtime.mapaccess1_faststr", CatOther},
		{"/usr/local/go/src/internal/bytealg/indexbyte_amd64.s", "indexbytebody", CatOther},
		{"/usr/local/go/src/bufio/bufio.go", "bufio.(*Reader).Peek", CatOther},
		{"/usr/local/go/src/errors/wrap.go", "errors.Is", CatOther},
		{"/usr/local/go/src/sync/mutex.go", "sync.(*Mutex).Lock", CatOther},
		{"???", "0x000000000003c050", CatOther},
		{"./malloc/./malloc/malloc.c", "calloc", CatOther},
		{"<autogenerated>", "type:.eq.net/http.Header", CatOther},
		{"/usr/local/go/src/os/file.go", "os.(*File).Read", CatOther},
		{"/home/x/src/runtime/proc.go", "github.com/x/runtime.f", CatOther}, // not Go's runtime... by package
	} {
		assert.Equal(t, tc.want, Categorize(FunctionCost{File: tc.file, Function: tc.fn}), "Categorize(%s, %s)", tc.file, tc.fn)
	}
	assert.Equal(t, "unknown", Category(-1).String(), "Category(-1)")
}

func TestGoPackage(t *testing.T) {
	for in, want := range map[string]string{
		"net/http.(*conn).serve":                                 "net/http",
		"runtime.mallocgc":                                       "runtime",
		"github.com/valyala/fasthttp.(*Server).serveConn":        "github.com/valyala/fasthttp",
		"github.com/panjf2000/gnet/v2.(*eventloop).read":         "github.com/panjf2000/gnet/v2",
		"github.com/ace-go/ace/core.run[go.shape.*net/http.Req]": "github.com/ace-go/ace/core",
		"indexbytebody":                                          "",
		"":                                                       "",
	} {
		assert.Equal(t, want, goPackage(in), "goPackage(%q)", in)
	}
}
