// Package bench holds the end-to-end benchmarks of Daily Papers on the real
// data of the shared data set: import rate, and the feed and paper pages'
// latency and throughput on a database of about 365,000 papers. The
// figures in BENCHMARKS.md come from here:
//
//	go test ./internal/bench -run '^$' -bench . -benchtime 1x -timeout 30m
//
// The data set is read from ../shared/data beside the repository, or from
// DAILYPAPERS_SHARED_DATA; without it the benchmarks skip.
package bench
