package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dailypapers/dailypapers/internal/store"
)

// Sample is one value of a metric read at scrape time, with its label
// values in the order the metric declares its labels.
type Sample struct {
	Labels []string
	Value  float64
}

// ReadFunc reads a metric's samples when Prometheus scrapes; ctx ends
// after scrapeTimeout.
type ReadFunc func(ctx context.Context) ([]Sample, error)

// GaugeFunc registers a gauge whose samples read gives at each scrape:
// the way to export state that is cheaper to look at now and then than to
// keep counting (a queue's length, an index's size). A read that fails
// leaves the metric out of that scrape and says why in the scrape's log;
// the other metrics are served.
func (m *Metrics) GaugeFunc(name, help string, labels []string, read ReadFunc) {
	m.scraped(name, help, labels, prometheus.GaugeValue, read)
}

// CounterFunc is GaugeFunc for a count that only grows (kept by someone
// else, such as the database pool's count of waits).
func (m *Metrics) CounterFunc(name, help string, labels []string, read ReadFunc) {
	m.scraped(name, help, labels, prometheus.CounterValue, read)
}

func (m *Metrics) scraped(name, help string, labels []string, kind prometheus.ValueType, read ReadFunc) {
	if m == nil {
		return
	}
	c := &scrapedCollector{desc: prometheus.NewDesc(namespace+"_"+name, help, labels, nil), kind: kind, read: read}
	m.reg.MustRegister(c)
}

// scrapedCollector is one metric read at scrape time.
type scrapedCollector struct {
	desc *prometheus.Desc
	kind prometheus.ValueType
	read ReadFunc
}

func (c *scrapedCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *scrapedCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := scrapeContext()
	defer cancel()
	samples, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, s := range samples {
		ch <- prometheus.MustNewConstMetric(c.desc, c.kind, s.Value, s.Labels...)
	}
}

// One is a single sample without labels.
func One(v float64) []Sample { return []Sample{{Value: v}} }

// Pools exports the database's connection pools (store.Pooled): the
// connections open, in use and idle, the pool's bound, and how often and
// how long requests waited for a connection.
func (m *Metrics) Pools(p store.Pooled) {
	each := func(v func(store.PoolStats) float64) ReadFunc {
		return func(context.Context) ([]Sample, error) {
			var out []Sample
			for _, s := range p.PoolStats() {
				out = append(out, Sample{Labels: []string{s.Pool}, Value: v(s)})
			}
			return out, nil
		}
	}
	pool := []string{"pool"}
	m.GaugeFunc("db_connections_max", "The most connections the pool opens.", pool, each(func(s store.PoolStats) float64 { return float64(s.MaxOpen) }))
	m.GaugeFunc("db_connections_open", "Connections open, in use or idle.", pool, each(func(s store.PoolStats) float64 { return float64(s.Open) }))
	m.GaugeFunc("db_connections_in_use", "Connections in use.", pool, each(func(s store.PoolStats) float64 { return float64(s.InUse) }))
	m.GaugeFunc("db_connections_idle", "Connections idle.", pool, each(func(s store.PoolStats) float64 { return float64(s.Idle) }))
	m.CounterFunc("db_connection_waits_total", "Times a request waited for a free connection.", pool, each(func(s store.PoolStats) float64 { return float64(s.WaitCount) }))
	m.CounterFunc("db_connection_wait_seconds_total", "Time spent waiting for a free connection.", pool, each(func(s store.PoolStats) float64 { return s.WaitDuration.Seconds() }))
}

// IndexStatus is what the search index says of itself.
type IndexStatus struct {
	Ready   bool
	Papers  int   // papers indexed
	Vectors int   // papers with a vector in the semantic index; -1 without one
	Version int64 // the store version the index has caught up with
}

// Index exports the search index: its size, how far it is behind the
// store's change feed (in store versions: 0 when caught up), and the
// embedding queue, the indexed papers still without a vector.
func (m *Metrics) Index(status func() IndexStatus, storeVersion func(ctx context.Context) (int64, error)) {
	m.GaugeFunc("search_index_papers", "Papers in the search index.", nil, func(context.Context) ([]Sample, error) {
		return One(float64(status().Papers)), nil
	})
	m.GaugeFunc("search_index_ready", "1 once the search index is loaded or built, 0 before.", nil, func(context.Context) ([]Sample, error) {
		if status().Ready {
			return One(1), nil
		}
		return One(0), nil
	})
	m.GaugeFunc("search_index_lag_versions", "Store versions (committed changes) the search index has not caught up with.", nil,
		func(ctx context.Context) ([]Sample, error) {
			v, err := storeVersion(ctx)
			if err != nil {
				return nil, err
			}
			return One(float64(max(0, v-status().Version))), nil
		})
	m.GaugeFunc("embedding_queue_papers", "Indexed papers without a vector yet, which the embedder has still to do.", nil,
		func(context.Context) ([]Sample, error) {
			st := status()
			if st.Vectors < 0 {
				return nil, nil // no semantic search: no queue
			}
			return One(float64(max(0, st.Papers-st.Vectors))), nil
		})
}

// MailJobs exports the digest mail queue's jobs by state, read from the
// store at scrape time.
func (m *Metrics) MailJobs(count func(ctx context.Context) (map[string]int, error)) {
	m.GaugeFunc("digest_jobs", "Digest mail jobs in the queue by state (queued, claimed, sending, sent, failed, unknown).", []string{"state"},
		func(ctx context.Context) ([]Sample, error) {
			n, err := count(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]Sample, 0, len(n))
			for state, c := range n {
				out = append(out, Sample{Labels: []string{state}, Value: float64(c)})
			}
			return out, nil
		})
}
