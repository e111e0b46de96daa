package store

import "time"

// PoolStats describes one of a backend's connection pools, for metrics.
type PoolStats struct {
	Pool         string // which pool: SQLite has a reader's and a writer's
	MaxOpen      int
	Open         int
	InUse        int
	Idle         int
	WaitCount    int64         // times a caller waited for a connection
	WaitDuration time.Duration // the time they waited, in all
}

// Pooled is a store that can tell how its connection pools are used. It
// is not part of Store: only serve's metrics ask.
type Pooled interface {
	PoolStats() []PoolStats
}
