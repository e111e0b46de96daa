package dbcopy

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/dailypapers/dailypapers/internal/demo"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// BenchmarkCopyDemo copies the demo site (its papers, feed entries and a
// vector for each paper) into a new PostgreSQL schema, as "dailypapers
// copy" does: the target's migration, the copy and the comparison.
func BenchmarkCopyDemo(b *testing.B) {
	pgtest.DSN(b)
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "dailypapers.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := demo.LoadIfEmpty(ctx, st, io.Discard); err != nil {
		b.Fatal(err)
	}
	tasks, err := st.MissingVectors(ctx, "bench", store.Cursor{}, 100000)
	if err != nil {
		b.Fatal(err)
	}
	var vs []store.Vector
	for _, t := range tasks {
		vs = append(vs, store.Vector{ID: t.ID, Rev: t.Rev, Vec: make([]float32, 100)})
	}
	if err := st.PutVectors(ctx, "bench", vs); err != nil {
		b.Fatal(err)
	}
	st.Close()
	rows := countRows(b, path)
	for b.Loop() {
		b.StopTimer()
		dsn := pgtest.Schema(b)
		b.StartTimer()
		if err := Copy(ctx, Options{From: path, To: dsn, Target: "bench", Batch: 5000}, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// countRows counts the rows copy carries from the file.
func countRows(b *testing.B, path string) int64 {
	ctx := context.Background()
	tables, err := Tables(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	db, err := sqlite.OpenFile(ctx, path, true)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var total int64
	for _, t := range tables {
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
			b.Fatal(err)
		}
		total += n
	}
	return total
}
