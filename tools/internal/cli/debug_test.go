package cli

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ace-go/ace/core"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeStats is what the debug endpoints of these tests report.
var fakeStats = core.Stats{
	Accepting: 50, Active: 2, Accepted: 7, Closed: 5, Panicked: 1,
	Refused: 3, BytesIn: 1024, BytesOut: 2048, Hibernating: 1,
}

// get fetches path from srv and returns the status and body.
func get(t *testing.T, client *http.Client, base, path string) (int, string) {
	t.Helper()
	resp, err := client.Get(base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// newDebugServer serves debugHandler(fakeStats) for the test.
func newDebugServer(t *testing.T) (*http.Client, string) {
	t.Helper()
	srv := httptest.NewServer(debugHandler(func() core.Stats { return fakeStats }))
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return client, srv.URL
}

func TestDebugVars(t *testing.T) {
	client, base := newDebugServer(t)
	code, body := get(t, client, base, "/debug/vars")
	require.Equal(t, http.StatusOK, code, "GET /debug/vars")
	var vars map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(body), &vars), "/debug/vars is not JSON:\n%s", body)
	for _, k := range []string{"cmdline", "memstats", "ace"} {
		assert.Contains(t, vars, k, "/debug/vars")
	}
	var ace map[string]float64
	require.NoError(t, json.Unmarshal(vars["ace"], &ace), `"ace" is not an object of numbers: %s`, vars["ace"])
	want := map[string]float64{
		"accepting": 50, "active": 2, "accepted": 7, "closed": 5,
		"panicked": 1, "refused": 3, "bytes_in": 1024, "bytes_out": 2048,
		"hibernating": 1,
	}
	assert.Equal(t, want, ace)
}

func TestStatsCollector(t *testing.T) {
	const want = `
# HELP ace_accepted_total Connections accepted since the endpoint started.
# TYPE ace_accepted_total counter
ace_accepted_total 7
# HELP ace_accepting Servers waiting in accept right now.
# TYPE ace_accepting gauge
ace_accepting 50
# HELP ace_active Connections being served right now.
# TYPE ace_active gauge
ace_active 2
# HELP ace_bytes_in_total Bytes read from every connection.
# TYPE ace_bytes_in_total counter
ace_bytes_in_total 1024
# HELP ace_bytes_out_total Bytes written to every connection.
# TYPE ace_bytes_out_total counter
ace_bytes_out_total 2048
# HELP ace_closed_total Connections that have ended.
# TYPE ace_closed_total counter
ace_closed_total 5
# HELP ace_hibernating Idle connections whose server has given up its goroutine right now.
# TYPE ace_hibernating gauge
ace_hibernating 1
# HELP ace_panicked_total Connections ended by a panic in the app.
# TYPE ace_panicked_total counter
ace_panicked_total 1
# HELP ace_refused_total Connections refused at the connection limit.
# TYPE ace_refused_total counter
ace_refused_total 3
`
	c := newStatsCollector(func() core.Stats { return fakeStats })
	assert.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want)))
	assert.Equal(t, len(statsMetrics), testutil.CollectAndCount(c), "metrics collected")
}

func TestDebugMetrics(t *testing.T) {
	client, base := newDebugServer(t)
	code, body := get(t, client, base, "/metrics")
	require.Equal(t, http.StatusOK, code, "GET /metrics")
	for _, want := range []string{
		"\nace_accepted_total 7\n", "\nace_active 2\n", "# TYPE ace_active gauge\n",
		"\ngo_goroutines ",
	} {
		assert.Contains(t, body, want, "/metrics")
	}
}

func TestDebugRoutes(t *testing.T) {
	client, base := newDebugServer(t)
	tests := []struct {
		path string
		code int
		want string
	}{
		{"/", http.StatusOK, "/debug/pprof/"},
		{"/debug/pprof/", http.StatusOK, "goroutine"},
		{"/debug/pprof/goroutine?debug=1", http.StatusOK, "goroutine profile:"},
		{"/debug/pprof/cmdline", http.StatusOK, ""},
		{"/debug/pprof/symbol", http.StatusOK, "num_symbols"},
		{"/nope", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		code, body := get(t, client, base, tt.path)
		assert.Equal(t, tt.code, code, "GET %s", tt.path)
		assert.Contains(t, body, tt.want, "GET %s", tt.path)
	}
	resp, err := client.Post(base+"/metrics", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "POST /metrics")
}

// TestDebugServer checks that two debug servers can live in one process
// (nothing is registered process-wide) and that Close ends each one.
func TestDebugServer(t *testing.T) {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for range 2 {
		d, err := startDebug(t.Context(), "127.0.0.1:0", func() core.Stats { return fakeStats }, log)
		require.NoError(t, err)
		code, body := get(t, client, "http://"+d.Addr().String(), "/metrics")
		assert.Equal(t, http.StatusOK, code, "GET /metrics")
		assert.Contains(t, body, "ace_accepted_total 7", "GET /metrics")
		assert.NoError(t, d.Close())
		_, err = client.Get("http://" + d.Addr().String() + "/metrics")
		assert.Error(t, err, "GET succeeded after Close")
	}
}
