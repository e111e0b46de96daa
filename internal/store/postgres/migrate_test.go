package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
	"github.com/dailypapers/dailypapers/internal/store/storetest"
)

// Migration 0007 turns the users that imports made (no address, no
// password) into text on their entries, keeps only names that pass the
// username rules, and leaves accounts and their entries alone.
func TestMigrationImportedSubmitters(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Schema(t)
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	im, err := s.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []paper.ID{"2506.00001", "2506.00002", "2506.00003"} {
		if _, err := im.Write(ctx, []store.Record{{Paper: paper.Paper{ID: id, Title: "A paper"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	carol, err := s.CreateAccount(ctx, store.Account{User: store.User{Username: "carol", Fullname: "Carol"},
		Email: "carol@example.org", PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	// The database as it was before 0007, with what imports made then.
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DROP INDEX feed_entries_imported_submitter`, nil},
		{`ALTER TABLE feed_entries DROP COLUMN imported_submitter, DROP COLUMN imported_fullname`, nil},
		{`DELETE FROM schema_migrations WHERE version = 7`, nil},
		{`INSERT INTO users (id, username, fullname, created_at) VALUES (100, 'AKhaliq', 'AK', 0), (101, 'evil<script>', '', 0)`, nil},
		{`INSERT INTO feed_entries (paper_seq, day, submitter_id, submitted_at)
			SELECT seq, '2025-06-01', CASE id WHEN '2506.00001' THEN 100 WHEN '2506.00002' THEN 101 ELSE $1::bigint END, 0 FROM papers`,
			[]any{carol.ID}},
	} {
		if _, err := db.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	db.Close(ctx)

	s, err = postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.ImportedSubmittersMigrated(t, s, carol.User)
}

// Migration 0010 indexes the papers stored before it by author and category.
func TestMigrationIndexesAuthors(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Schema(t)
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedAuthors(t, s)
	s.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE paper_reads`, `DROP TABLE follows`, `DROP TABLE author_claims`,
		`DROP TABLE paper_categories`, `DROP TABLE paper_authors`, `DELETE FROM schema_migrations WHERE version = 10`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	conn.Close(ctx)
	s, err = postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.AuthorIndexFilled(t, s)
}
