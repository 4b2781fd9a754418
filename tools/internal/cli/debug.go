package cli

import (
	"context"
	"errors"
	"expvar"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/ace-go/ace/core"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// aceVar is the key of the endpoint's stats in /debug/vars.
const aceVar = "ace"

// debugServer serves the debug endpoints over HTTP on a listener of its own:
// /debug/vars (expvar), /debug/pprof/ (pprof) and /metrics (Prometheus).
// Its one goroutine ends when Close returns.
type debugServer struct {
	ln   net.Listener
	srv  *http.Server
	done chan struct{} // closed when the Serve goroutine has returned
}

// startDebug listens on addr and serves the debug endpoints there, reading
// the endpoint's counters with stats on every request.
func startDebug(ctx context.Context, addr string, stats func() core.Stats, log *slog.Logger) (*debugServer, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ace: debug server: %w", err)
	}
	d := &debugServer{
		ln: ln,
		srv: &http.Server{
			Handler:           debugHandler(stats),
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		done: make(chan struct{}),
	}
	go func() {
		defer close(d.done)
		if err := d.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("ace: debug server failed", "err", err)
		}
	}()
	return d, nil
}

// Addr returns the address the debug server listens on.
func (d *debugServer) Addr() net.Addr { return d.ln.Addr() }

// Close stops the debug server at once, cutting requests in flight (a CPU
// profile, say), and waits for its goroutine to end.
func (d *debugServer) Close() error {
	err := d.srv.Close()
	<-d.done
	return err
}

// debugHandler routes the debug endpoints. It uses a mux and a Prometheus
// registry of its own, never the process-wide defaults, so that several
// endpoints can live in one process (as they do in tests).
func debugHandler(stats func() core.Stats) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /debug/vars", varsHandler(stats))

	mux.HandleFunc("/debug/pprof/", pprof.Index) // and every named profile
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		newStatsCollector(stats),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "ace debug endpoints:\n  /debug/vars\n  /debug/pprof/\n  /metrics\n")
	})
	return mux
}

// varsHandler serves what expvar's own handler serves (cmdline, memstats and
// anything else published in the process) plus the endpoint's stats under
// the key "ace". It adds the stats per handler instead of with
// expvar.Publish, which is process-wide and panics on a second endpoint.
func varsHandler(stats func() core.Stats) http.Handler {
	ace := expvar.Func(func() any { return stats() })
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, "{\n")
		expvar.Do(func(kv expvar.KeyValue) {
			if kv.Key != aceVar {
				fmt.Fprintf(w, "%q: %s,\n", kv.Key, kv.Value)
			}
		})
		fmt.Fprintf(w, "%q: %s\n}\n", aceVar, ace)
	})
}
