package dbcopy

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// freshSQLite is a SQLite file migrated by this version's store, and its
// tables as sqlite_master lists them.
func freshSQLite(t *testing.T) (string, []string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dailypapers.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sqlite.OpenFile(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables string
	if err := db.QueryRowContext(ctx, `SELECT group_concat(name, ' ') FROM sqlite_master WHERE type = 'table'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	return path, strings.Fields(tables)
}

// Every table of the migrated SQLite schema is copied, or is in skip with
// its reason; nothing in skip is stale.
func TestEverySQLiteTableIsCopied(t *testing.T) {
	path, all := freshSQLite(t)
	copied, err := Tables(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range all {
		_, skipped := skip[name]
		switch {
		case strings.HasPrefix(name, "sqlite_"): // SQLite's own
		case skipped && slices.Contains(copied, name):
			t.Errorf("table %s is both copied and skipped", name)
		case !skipped && !slices.Contains(copied, name):
			t.Errorf("table %s is not copied, and not in the skip list", name)
		}
	}
	for name := range skip {
		if !slices.Contains(all, name) {
			t.Errorf("skip names %s, which the schema does not have", name)
		}
	}
	if len(copied) < 19 {
		t.Errorf("copies only %q", copied)
	}
}

// The plan from the two migrated schemas copies every SQLite table but
// schema_migrations, each column once, with the rules the types ask for.
func TestPlanOfTheSchemas(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	path, _ := freshSQLite(t)
	lite, pg := readSchemas(t, path, dsn)
	tables, err := plan(lite, pg)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Tables(ctx, path)
	var got []string
	for _, tb := range tables {
		got = append(got, tb.name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("the plan copies %q, Tables says %q", got, want)
	}
	find := func(name string) copyTable {
		i := slices.IndexFunc(tables, func(c copyTable) bool { return c.name == name })
		if i < 0 {
			t.Fatalf("no %s in the plan", name)
		}
		return tables[i]
	}
	for _, c := range []struct {
		table, key, serial string
		kinds              map[string]colKind
	}{
		{"papers", "seq", "seq", map[string]colKind{"authors": kJSON, "withdrawn": kBool, "title": kText, "published_at": kInt}},
		{"votes", "rowid", "n", map[string]colKind{"n": kInt, "user_id": kInt}},
		{"feed_entries", "paper_seq, day", "", map[string]colKind{"hidden": kBool, "day": kText}},
		{"paper_vectors", "model, paper_seq", "", map[string]colKind{"vec": kBytes, "seq": kInt}},
		{"sessions", "token_hash", "", map[string]colKind{"token_hash": kBytes}},
		{"comments", "id", "id", map[string]colKind{"html": kText, "hidden": kBool}},
		{"star_counts", "repo, day", "", nil},
	} {
		tb := find(c.table)
		if k := tb.liteCols(tb.nkey); k != c.key {
			t.Errorf("%s is copied by %q, want %q", c.table, k, c.key)
		}
		if s := strings.Join(tb.serials, ","); s != c.serial {
			t.Errorf("%s's sequences follow %q, want %q", c.table, s, c.serial)
		}
		for col, kind := range c.kinds {
			i := slices.IndexFunc(tb.cols, func(cc copyCol) bool { return cc.name == col })
			if i < 0 || tb.cols[i].kind != kind {
				t.Errorf("%s.%s: %+v, want kind %d", c.table, col, tb.cols, kind)
			}
		}
	}
	if !find("store_version").replace {
		t.Error("store_version, which the migrations fill, is not replaced")
	}
	// References come first.
	for _, lt := range lite {
		i := slices.Index(got, lt.name)
		for _, r := range lt.refs {
			if j := slices.Index(got, r); r != lt.name && j > i {
				t.Errorf("%s is copied before %s, which it refers to", lt.name, r)
			}
		}
	}
}

func readSchemas(t *testing.T, path, dsn string) ([]liteTable, map[string][]pgCol) {
	t.Helper()
	ctx := context.Background()
	pst, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	pst.Close()
	db, err := sqlite.OpenFile(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lite, err := readLite(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	pg, err := readPG(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	return lite, pg
}

// A table a later migration adds to both schemas is copied, with its
// types converted and its sequence moved, and no list changed.
func TestNewTableIsCarried(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	path, _ := freshSQLite(t)
	lite, err := sqlite.OpenFile(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lite.ExecContext(ctx, `
		CREATE TABLE shelves (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
			name TEXT NOT NULL, public INTEGER NOT NULL, tags TEXT NOT NULL, created_at INTEGER NOT NULL);
		INSERT INTO users (id, username, fullname, avatar_url, created_at) VALUES (7, 'ada', 'Ada', '', 1);
		INSERT INTO shelves VALUES (3, 7, 'To read', 1, '["a", "b"]', 1760000000000), (9, 7, 'Ünïcode', 0, '{"b": 1, "a": 2.50}', 1760000000001)`)
	lite.Close()
	if err != nil {
		t.Fatal(err)
	}
	pst, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	pst.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE shelves (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id),
		name TEXT NOT NULL, public BOOLEAN NOT NULL, tags JSONB NOT NULL, created_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := Copy(ctx, Options{From: path, To: dsn, Target: "the test schema", Batch: 1}, &out); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	line := ""
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "shelves ") {
			line = l
		}
	}
	if f := strings.Fields(line); len(f) < 4 || f[1] != "2" || f[2] != "2" || f[3] != "OK" {
		t.Errorf("shelves: %q in\n%s", line, &out)
	}
	var public bool
	var tags string
	if err := conn.QueryRow(ctx, `SELECT public, tags->>'a' FROM shelves WHERE id = 9`).Scan(&public, &tags); err != nil || public || tags != "2.50" {
		t.Errorf("shelf 9 in PostgreSQL: %v %q %v", public, tags, err)
	}
	var id int64
	if err := conn.QueryRow(ctx, `INSERT INTO shelves (user_id, name, public, tags, created_at)
		VALUES (7, 'New', true, '[]', 1) RETURNING id`).Scan(&id); err != nil || id != 10 {
		t.Errorf("a new shelf's id: %d, %v; want 10", id, err)
	}
}

// plan stops, naming the table or column, where the schemas do not match.
func TestPlanRefuses(t *testing.T) {
	users := liteTable{name: "users", rowid: true, cols: []liteCol{{"id", "INTEGER", 1}, {"name", "TEXT", 0}}}
	pgUsers := []pgCol{{"id", "bigint", true}, {"name", "text", false}}
	for _, c := range []struct {
		name string
		lite []liteTable
		pg   map[string][]pgCol
		want string
	}{
		{"a table only the file has", []liteTable{users, {name: "extra", cols: []liteCol{{"id", "INTEGER", 1}}}},
			map[string][]pgCol{"users": pgUsers}, "table extra is unknown to this version"},
		{"a table only the target has", []liteTable{users},
			map[string][]pgCol{"users": pgUsers, "later": {{"id", "bigint", false}}}, "no table later: bring the file up to date"},
		{"a column the file lacks", []liteTable{users},
			map[string][]pgCol{"users": append(slices.Clone(pgUsers), pgCol{"email", "text", false})}, "table users lacks the columns email"},
		{"a column only the file has", []liteTable{users},
			map[string][]pgCol{"users": pgUsers[:1]}, "table users has columns unknown to copy: name"},
		{"a type with no rule", []liteTable{users},
			map[string][]pgCol{"users": {{"id", "bigint", true}, {"name", "timestamp with time zone", false}}}, "cannot fill PostgreSQL's timestamp with time zone"},
		{"types that do not convert", []liteTable{users},
			map[string][]pgCol{"users": {{"id", "bigint", true}, {"name", "boolean", false}}}, "TEXT in SQLite, boolean in PostgreSQL"},
		{"no key", []liteTable{{name: "users", rowid: true, cols: []liteCol{{"name", "TEXT", 0}}}},
			map[string][]pgCol{"users": pgUsers[1:]}, "no primary key"},
		{"a cycle", []liteTable{
			{name: "a", rowid: true, cols: []liteCol{{"id", "INTEGER", 1}}, refs: []string{"b"}},
			{name: "b", rowid: true, cols: []liteCol{{"id", "INTEGER", 1}}, refs: []string{"a"}}},
			map[string][]pgCol{"a": pgUsers[:1], "b": pgUsers[:1]}, "cycle"},
	} {
		if _, err := plan(c.lite, c.pg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// A table made before the one it refers to is copied after it.
	tables, err := plan([]liteTable{{name: "votes", rowid: true, cols: []liteCol{{"user_id", "INTEGER", 1}}, refs: []string{"users", "votes"}}, users},
		map[string][]pgCol{"users": pgUsers, "votes": {{"user_id", "bigint", false}}})
	if err != nil || len(tables) != 2 || tables[0].name != "users" {
		t.Errorf("plan: %+v, %v", tables, err)
	}
}
