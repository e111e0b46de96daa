package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
)

// BenchmarkVotesDuringUnchangedImport imports the hosted feed's file
// (9,881 records) into PostgreSQL, then imports it again, which changes
// nothing, while one account votes on a paper every 5 ms, and reports how
// long the import took and the slowest vote meanwhile:
//
//	DAILYPAPERS_TEST_POSTGRES=... go test ./cmd/dailypapers -run '^$' -bench VotesDuringUnchangedImport -benchtime 1x
//
// DAILYPAPERS_IMPORT_BIN names another build of the command to import
// with (one from before a change, to compare); the votes go through this
// build's store either way.
func BenchmarkVotesDuringUnchangedImport(b *testing.B) {
	const file = "../../../shared/data/hf-daily-papers.jsonl.xz"
	if _, err := os.Stat(file); err != nil {
		b.Skipf("no %s: %v", file, err)
	}
	bin := os.Getenv("DAILYPAPERS_IMPORT_BIN")
	if bin == "" {
		bin = buildBinary(b)
	}
	for range b.N {
		dsn := pgtest.Schema(b)
		data := b.TempDir()
		if out, err := exec.Command(bin, "import", "--db", dsn, "--data", data, file).CombinedOutput(); err != nil {
			b.Fatalf("%v %s", err, out)
		}
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		acc, err := st.CreateAccount(context.Background(), store.Account{User: store.User{Username: "voter"}, Email: "voter@example.org"})
		if err != nil {
			b.Fatal(err)
		}
		items, err := st.Feed(context.Background(), store.FeedQuery{From: "0000-01-01", To: "9999-12-31", Limit: 1})
		if err != nil || len(items) == 0 {
			b.Fatalf("no paper on the feed: %v", err)
		}
		cmd := exec.Command(bin, "import", "--db", dsn, "--data", data, file)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var worst time.Duration
		votes := 0
	voting:
		for up := true; ; up = !up {
			select {
			case err := <-done:
				if err != nil {
					b.Fatal(err)
				}
				break voting
			default:
			}
			v := time.Now()
			if _, err := st.Vote(context.Background(), acc.ID, items[0].Paper.ID, up); err != nil {
				b.Fatal(err)
			}
			worst = max(worst, time.Since(v))
			votes++
			time.Sleep(5 * time.Millisecond)
		}
		b.ReportMetric(time.Since(start).Seconds(), "import-s")
		b.ReportMetric(worst.Seconds()*1000, "slowest-vote-ms")
		b.ReportMetric(float64(votes), "votes")
		st.Close()
	}
}
