// Package metrics is the site's Prometheus instrumentation: one registry
// and every metric the site exports, declared here so that adding one is a
// line in New and a method beside the others.
//
// Two kinds of metric live here. Counts of events (requests, cache hits,
// mails, refusals) are counted where they happen, by methods of Metrics;
// each is an atomic add. State that can be read when Prometheus scrapes
// (the search index's size, the mail queue, the database pools) is read
// then, by a collector, rather than kept up to date on the hot path.
//
// Every method of a nil *Metrics does nothing, so parts of the program
// (and their tests) run without metrics at no cost.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric of the site's own.
const namespace = "dailypapers"

// Metrics holds the registry and the site's metrics.
type Metrics struct {
	reg *prometheus.Registry

	requests         *prometheus.CounterVec
	requestSeconds   *prometheus.HistogramVec
	responseBytes    *prometheus.CounterVec
	cacheHit         prometheus.Counter
	cacheMiss        prometheus.Counter
	searchSeconds    *prometheus.HistogramVec
	mails            *prometheus.CounterVec
	jobRuns          *prometheus.CounterVec
	jobLastSuccess   *prometheus.GaugeVec
	rateLimited      *prometheus.CounterVec
	storeUnavailable prometheus.Counter

	// series holds each route's, method's and status's request metrics,
	// bound once: a map lookup per request instead of three label lookups.
	series sync.Map // of requestKey to *requestSeries
}

// New makes a registry with the Go runtime's and the process's collectors
// and the site's metrics.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := factory{m.reg}
	m.requests = f.counterVec("http_requests_total",
		"HTTP requests answered, by route pattern (\"unmatched\" for none), method and status.", "route", "method", "code")
	// Buckets from a cached page (under a millisecond) to the slowest
	// search the query budget allows (seconds).
	m.requestSeconds = f.histogramVec("http_request_duration_seconds",
		"Time to answer an HTTP request, by route pattern.",
		[]float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}, "route")
	m.responseBytes = f.counterVec("http_response_bytes_total", "Bytes of response bodies sent, by route pattern.", "route")
	cacheLookups := f.counterVec("page_cache_lookups_total",
		"Lookups in the cache of rendered pages, by result (hit or miss).", "result")
	m.cacheHit, m.cacheMiss = cacheLookups.WithLabelValues("hit"), cacheLookups.WithLabelValues("miss")
	m.searchSeconds = f.histogramVec("search_duration_seconds",
		"Time to rank a search, by mode (lexical, semantic, hybrid).",
		[]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}, "mode")
	m.mails = f.counterVec("digest_mails_total",
		"Digest mails by outcome: sent, retried (a temporary failure, tried again later) or failed.", "result")
	m.jobRuns = f.counterVec("job_runs_total",
		"Runs of the scheduled jobs (harvest, stars, digests) by result (ok or failed).", "job", "result")
	m.jobLastSuccess = f.gaugeVec("job_last_success_timestamp_seconds",
		"When each scheduled job last ran without failing, as a Unix time.", "job")
	m.rateLimited = f.counterVec("rate_limited_total",
		"Requests refused by a rate limit, by what was limited.", "what")
	m.storeUnavailable = f.counter("store_unavailable_total",
		"Requests answered 503 because the database could not be reached.")
	return m
}

// factory registers the metrics it makes.
type factory struct{ reg *prometheus.Registry }

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help}, labels)
	f.reg.MustRegister(g)
	return g
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: name, Help: help, Buckets: buckets}, labels)
	f.reg.MustRegister(h)
	return h
}

// Handler serves the metrics in the Prometheus text format. A metric that
// cannot be read (the database is away) is left out and logged, and the
// rest are served: the scrape that most needs to work is the one during
// an outage.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg,
		ErrorHandling: promhttp.ContinueOnError, ErrorLog: scrapeLog{}})
}

// scrapeLog writes promhttp's complaints to the program's log.
type scrapeLog struct{}

func (scrapeLog) Println(v ...any) { slog.Warn("metrics: " + strings.TrimSpace(fmt.Sprintln(v...))) }

// Register adds a collector of the caller's own, such as one that reads
// state at scrape time (see GaugeFuncs).
func (m *Metrics) Register(c prometheus.Collector) error {
	if m == nil {
		return nil
	}
	return m.reg.Register(c)
}

// Request counts an answered request. route is the pattern that took it,
// never the path, so that the number of series stays bounded.
func (m *Metrics) Request(route, method string, status int, bytes int64, d time.Duration) {
	if m == nil {
		return
	}
	k := requestKey{route, method, status}
	v, ok := m.series.Load(k)
	if !ok {
		v, _ = m.series.LoadOrStore(k, &requestSeries{
			requests: m.requests.WithLabelValues(route, method, statusCode(status)),
			seconds:  m.requestSeconds.WithLabelValues(route),
			bytes:    m.responseBytes.WithLabelValues(route),
		})
	}
	rs := v.(*requestSeries)
	rs.requests.Inc()
	rs.seconds.Observe(d.Seconds())
	rs.bytes.Add(float64(bytes))
}

type requestKey struct {
	route, method string
	status        int
}

type requestSeries struct {
	requests prometheus.Counter
	seconds  prometheus.Observer
	bytes    prometheus.Counter
}

// statusCode spells common statuses without an allocation.
func statusCode(status int) string {
	switch status {
	case http.StatusOK:
		return "200"
	case http.StatusNotModified:
		return "304"
	case http.StatusSeeOther:
		return "303"
	case http.StatusNotFound:
		return "404"
	}
	return strconv.Itoa(status)
}

// CacheLookup counts a lookup in the page cache.
func (m *Metrics) CacheLookup(hit bool) {
	if m == nil {
		return
	}
	if hit {
		m.cacheHit.Inc()
	} else {
		m.cacheMiss.Inc()
	}
}

// Search records how long a search took to rank in mode.
func (m *Metrics) Search(mode string, d time.Duration) {
	if m == nil {
		return
	}
	m.searchSeconds.WithLabelValues(mode).Observe(d.Seconds())
}

// Mail counts a digest mail's outcome: "sent", "retried" or "failed".
func (m *Metrics) Mail(result string) {
	if m == nil {
		return
	}
	m.mails.WithLabelValues(result).Inc()
}

// JobRun counts a run of a scheduled job; a run that worked also sets
// the job's last success time to at.
func (m *Metrics) JobRun(job string, ok bool, at time.Time) {
	if m == nil {
		return
	}
	if !ok {
		m.jobRuns.WithLabelValues(job, "failed").Inc()
		return
	}
	m.jobRuns.WithLabelValues(job, "ok").Inc()
	m.jobLastSuccess.WithLabelValues(job).Set(float64(at.UnixNano()) / 1e9)
}

// RateLimited counts a request a rate limit refused.
func (m *Metrics) RateLimited(what string) {
	if m == nil {
		return
	}
	m.rateLimited.WithLabelValues(what).Inc()
}

// StoreUnavailable counts a request refused because the database could
// not be reached.
func (m *Metrics) StoreUnavailable() {
	if m == nil {
		return
	}
	m.storeUnavailable.Inc()
}

// scrapeTimeout bounds what a collector may spend asking the database, so
// that a slow database slows a scrape, not the site.
const scrapeTimeout = 2 * time.Second

// scrapeContext is the context of a collector's reads.
func scrapeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), scrapeTimeout)
}
