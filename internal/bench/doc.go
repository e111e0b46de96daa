// Package bench holds the end-to-end benchmarks of Daily Papers on the real
// data of the shared data set: import rate, and the feed and paper pages'
// latency and throughput on a database of about 365,000 papers. The
// figures in BENCHMARKS.md come from here:
//
//	go test ./internal/bench -run '^$' -bench 'Import|InProcess|Uncached|Loopback' -benchtime 1x -timeout 30m
//
// and the search comparison (see search_test.go), which takes longer:
//
//	go test ./internal/bench -run '^$' -bench 'Search(Ours|FTS5|Bleve)$' -benchtime 1x -timeout 120m
//
// and the semantic side of our search, hybrid and semantic ranking and the
// approximate nearest neighbours against the exact (see searchhybrid_test.go):
//
//	go test ./internal/bench -run '^$' -bench 'SearchHybrid$' -benchtime 1x -timeout 120m
//
// The data set is read from ../shared/data beside the repository, or from
// DAILYPAPERS_SHARED_DATA; without it the benchmarks skip. The benchmark
// database is built from it once per run (about five minutes on two cores);
// DAILYPAPERS_BENCH_DB names a database built before from the same three
// files, which each run copies instead:
//
//	dailypapers import --data /var/tmp/benchdb ../shared/data/arxiv-daily-2025-2026.jsonl.xz \
//	    ../shared/data/arxiv-archive-2015-2019.jsonl.xz ../shared/data/hf-daily-papers.jsonl.xz
package bench
