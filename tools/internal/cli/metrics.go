package cli

import (
	"github.com/ace-go/ace/core"
	"github.com/prometheus/client_golang/prometheus"
)

// statsMetric maps one field of core.Stats to a Prometheus metric.
type statsMetric struct {
	name, help string
	kind       prometheus.ValueType
	value      func(core.Stats) float64
}

// statsMetrics are the metrics /metrics exports for an endpoint.
var statsMetrics = []statsMetric{
	{"ace_accepting", "Servers waiting in accept right now.", prometheus.GaugeValue,
		func(s core.Stats) float64 { return float64(s.Accepting) }},
	{"ace_active", "Connections being served right now.", prometheus.GaugeValue,
		func(s core.Stats) float64 { return float64(s.Active) }},
	{"ace_hibernating", "Idle connections whose server has given up its goroutine right now.", prometheus.GaugeValue,
		func(s core.Stats) float64 { return float64(s.Hibernating) }},
	{"ace_accepted_total", "Connections accepted since the endpoint started.", prometheus.CounterValue,
		func(s core.Stats) float64 { return float64(s.Accepted) }},
	{"ace_closed_total", "Connections that have ended.", prometheus.CounterValue,
		func(s core.Stats) float64 { return float64(s.Closed) }},
	{"ace_panicked_total", "Connections ended by a panic in the app.", prometheus.CounterValue,
		func(s core.Stats) float64 { return float64(s.Panicked) }},
	{"ace_refused_total", "Connections refused at the connection limit.", prometheus.CounterValue,
		func(s core.Stats) float64 { return float64(s.Refused) }},
	{"ace_bytes_in_total", "Bytes read from every connection.", prometheus.CounterValue,
		func(s core.Stats) float64 { return float64(s.BytesIn) }},
	{"ace_bytes_out_total", "Bytes written to every connection.", prometheus.CounterValue,
		func(s core.Stats) float64 { return float64(s.BytesOut) }},
}

// statsCollector is a prometheus.Collector that reads an endpoint's Stats
// afresh on every scrape, so the metrics cost nothing between scrapes.
type statsCollector struct {
	stats func() core.Stats
	descs []*prometheus.Desc // one per statsMetrics entry
}

func newStatsCollector(stats func() core.Stats) *statsCollector {
	c := &statsCollector{stats: stats, descs: make([]*prometheus.Desc, len(statsMetrics))}
	for i, m := range statsMetrics {
		c.descs[i] = prometheus.NewDesc(m.name, m.help, nil, nil)
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector, reading the stats once per scrape.
func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	for i, m := range statsMetrics {
		ch <- prometheus.MustNewConstMetric(c.descs[i], m.kind, m.value(s))
	}
}
