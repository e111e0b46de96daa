package dbcopy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// skip are the SQLite tables copy leaves behind, each for a reason. Every
// other table of the file is copied: the list of what to copy is the
// schemas themselves, so a table a migration adds is carried without
// another list to keep.
var skip = map[string]string{
	// Each backend records its own migrations, numbered apart (the
	// target's are written when copy migrates it).
	"schema_migrations": "each backend's own migration history",
}

// pgOwn are the target's tables that are not copied from SQLite.
var pgOwn = map[string]bool{"schema_migrations": true, "copy_progress": true}

// seeded are the tables the migrations fill: the first batch copied into
// one replaces what is there (store_version's single row).
var seeded = map[string]bool{"store_version": true}

// loneSequences are the PostgreSQL sequences no column owns, which must
// follow the copied values all the same: PutVectors numbers vectors from
// paper_vectors_seq_gen. (A BIGSERIAL's own sequence is found from its
// column.)
var loneSequences = []struct{ seq, table, col string }{
	{"paper_vectors_seq_gen", "paper_vectors", "seq"},
}

// colKind is how a column's values are converted from SQLite to PostgreSQL.
type colKind uint8

const (
	kInt   colKind = iota // INTEGER -> BIGINT or INTEGER
	kText                 // TEXT -> TEXT
	kBool                 // INTEGER 0 or 1 -> BOOLEAN
	kJSON                 // TEXT holding JSON -> JSONB
	kBytes                // BLOB -> BYTEA
)

// kinds is the rule for each PostgreSQL column type copy can fill, with
// the SQLite type its column must have there. Times are milliseconds since
// the epoch in both schemas (BIGINT and INTEGER), so they need no rule of
// their own; a type missing here stops copy before it writes anything.
var kinds = map[string]struct {
	kind colKind
	lite string
}{
	"bigint":   {kInt, "INTEGER"},
	"integer":  {kInt, "INTEGER"},
	"smallint": {kInt, "INTEGER"},
	"text":     {kText, "TEXT"},
	"boolean":  {kBool, "INTEGER"}, // SQLite keeps 0 or 1
	"jsonb":    {kJSON, "TEXT"},    // SQLite keeps the JSON text
	"bytea":    {kBytes, "BLOB"},
}

type copyCol struct {
	name string  // in PostgreSQL, and in SQLite unless lite says otherwise
	kind colKind // NULL is allowed in every kind and kept
	lite string  // the SQLite expression, when not the column (votes.n is the rowid)
}

// copyTable is a table copy carries, with the key it batches and orders by.
type copyTable struct {
	name    string
	cols    []copyCol // the key's columns first
	nkey    int
	serials []string // the columns whose sequences must follow the copied values
	// replace: migrating fills the table (seeded), so the first batch
	// deletes what is there.
	replace bool
}

// liteTable is a table as SQLite describes it.
type liteTable struct {
	name  string
	cols  []liteCol // in the table's order
	rowid bool      // not WITHOUT ROWID
	refs  []string  // the tables its foreign keys name
}

type liteCol struct {
	name, typ string
	pk        int // the column's place in the primary key from 1; 0 when not in it
}

// pgCol is a column as PostgreSQL's information_schema describes it.
type pgCol struct {
	name, typ string
	serial    bool // its default takes a sequence's next value
}

// readLite reads the tables of a SQLite file in the order they were made.
func readLite(ctx context.Context, q querier) ([]liteTable, error) {
	names, err := queryStrings(ctx, q, `SELECT name FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY rowid`)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(names, "schema_migrations") {
		return nil, errors.New("not a dailypapers database (no schema_migrations table)")
	}
	var out []liteTable
	for _, name := range names {
		t := liteTable{name: name}
		var withoutRowid bool
		if err := q.QueryRowContext(ctx, `SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?`, name).Scan(&withoutRowid); err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		t.rowid = !withoutRowid
		rows, err := q.QueryContext(ctx, `SELECT name, upper(type), pk FROM pragma_table_info(?) ORDER BY cid`, name)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		for rows.Next() {
			var c liteCol
			if err := rows.Scan(&c.name, &c.typ, &c.pk); err != nil {
				rows.Close()
				return nil, fmt.Errorf("table %s: %w", name, err)
			}
			t.cols = append(t.cols, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		if t.refs, err = queryStrings(ctx, q, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, name); err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// readPG reads the columns of the tables in the connection's schema.
func readPG(ctx context.Context, conn *pgx.Conn) (map[string][]pgCol, error) {
	rows, err := conn.Query(ctx, `SELECT table_name::text, column_name::text, data_type::text,
			coalesce(column_default::text LIKE 'nextval(%', false)
		FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]pgCol{}
	for rows.Next() {
		var table string
		var c pgCol
		if err := rows.Scan(&table, &c.name, &c.typ, &c.serial); err != nil {
			return nil, err
		}
		out[table] = append(out[table], c)
	}
	return out, rows.Err()
}

// errBehind is the advice when the file lacks what this version's schema has.
const errBehind = "bring the file up to date first with this version's dailypapers migrate --data DIR"

// plan matches the two schemas and says what to copy, in an order that
// copies a row's references before it (a table after those its foreign
// keys name; within a table, rows by key, so that a reply's parent comment
// comes first). The target was just migrated by this version, so what
// either side has that the other lacks means the file is of another
// version, and copy stops rather than leave something behind.
func plan(lite []liteTable, pg map[string][]pgCol) ([]copyTable, error) {
	var tables []copyTable
	for _, lt := range lite {
		if _, ok := skip[lt.name]; ok {
			continue
		}
		pcols, ok := pg[lt.name]
		if !ok || pgOwn[lt.name] {
			return nil, fmt.Errorf("table %s is unknown to this version of dailypapers, which would leave it behind", lt.name)
		}
		t, err := planTable(lt, pcols)
		if err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	var names []string
	for name := range pg {
		if !pgOwn[name] && !slices.ContainsFunc(lite, func(t liteTable) bool { return t.name == name }) {
			names = append(names, name)
		}
	}
	if len(names) > 0 {
		slices.Sort(names)
		return nil, fmt.Errorf("no table %s: %s", strings.Join(names, ", "), errBehind)
	}
	return inOrder(tables, lite)
}

// planTable matches one table's columns. A BIGSERIAL column SQLite lacks
// stands for SQLite's rowid, and is the key (votes.n orders the votes cast
// in the same millisecond as the rowid does).
func planTable(lt liteTable, pcols []pgCol) (copyTable, error) {
	t := copyTable{name: lt.name, replace: seeded[lt.name]}
	var key, rest []copyCol
	var missing []string
	for _, pc := range pcols {
		rule, ok := kinds[pc.typ]
		if !ok {
			return t, fmt.Errorf("table %s, column %s: copy cannot fill PostgreSQL's %s", lt.name, pc.name, pc.typ)
		}
		if pc.serial {
			t.serials = append(t.serials, pc.name)
		}
		c := copyCol{name: pc.name, kind: rule.kind}
		i := slices.IndexFunc(lt.cols, func(l liteCol) bool { return l.name == pc.name })
		if i < 0 {
			if pc.serial && rule.kind == kInt && lt.rowid && key == nil {
				c.lite = "rowid"
				key = append(key, c)
				continue
			}
			missing = append(missing, pc.name)
			continue
		}
		if lc := lt.cols[i]; lc.typ != rule.lite {
			return t, fmt.Errorf("table %s, column %s: %s in SQLite, %s in PostgreSQL, which copy cannot convert", lt.name, pc.name, lc.typ, pc.typ)
		}
	}
	if len(missing) > 0 {
		return t, fmt.Errorf("table %s lacks the columns %s: %s", lt.name, strings.Join(missing, ", "), errBehind)
	}
	var extra []string
	for _, lc := range lt.cols {
		if !slices.ContainsFunc(pcols, func(p pgCol) bool { return p.name == lc.name }) {
			extra = append(extra, lc.name)
		}
	}
	if len(extra) > 0 {
		return t, fmt.Errorf("table %s has columns unknown to copy: %s: %s", lt.name, strings.Join(extra, ", "), errBehind)
	}
	// The key's columns first, by their place in the key; then the rest in
	// SQLite's order.
	col := func(name string) copyCol {
		i := slices.IndexFunc(pcols, func(p pgCol) bool { return p.name == name })
		return copyCol{name: name, kind: kinds[pcols[i].typ].kind}
	}
	if key == nil {
		pk := slices.Clone(lt.cols)
		pk = slices.DeleteFunc(pk, func(c liteCol) bool { return c.pk == 0 })
		slices.SortFunc(pk, func(a, b liteCol) int { return a.pk - b.pk })
		for _, c := range pk {
			key = append(key, col(c.name))
		}
	}
	if key == nil {
		return t, fmt.Errorf("table %s has no primary key to copy it by", lt.name)
	}
	t.cols, t.nkey = key, len(key)
	for _, lc := range lt.cols {
		if !slices.ContainsFunc(key, func(k copyCol) bool { return k.name == lc.name }) {
			rest = append(rest, col(lc.name))
		}
	}
	t.cols = append(t.cols, rest...)
	return t, nil
}

// inOrder puts each table after the tables it refers to, and otherwise
// keeps the order the file made them in.
func inOrder(tables []copyTable, lite []liteTable) ([]copyTable, error) {
	refs := map[string][]string{}
	for _, lt := range lite {
		refs[lt.name] = lt.refs
	}
	placed := map[string]bool{}
	var out []copyTable
	for len(out) < len(tables) {
		progress := false
		for _, t := range tables {
			if placed[t.name] {
				continue
			}
			ready := true
			for _, r := range refs[t.name] {
				if r != t.name && !placed[r] && slices.ContainsFunc(tables, func(c copyTable) bool { return c.name == r }) {
					ready = false
				}
			}
			if ready {
				out = append(out, t)
				placed[t.name] = true
				progress = true
				break // from the first again: the file's order wins among the ready
			}
		}
		if !progress {
			return nil, errors.New("the tables' foreign keys form a cycle, which copy cannot order")
		}
	}
	return out, nil
}

// querier is what *sql.DB and *sql.Tx are.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Tables lists the tables a copy of the SQLite file at path carries, in
// the order it copies them, as far as the file alone says (the target's
// schema decides the columns).
func Tables(ctx context.Context, path string) ([]string, error) {
	db, err := openFile(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	lite, err := readLite(ctx, db)
	if err != nil {
		return nil, err
	}
	var tables []copyTable
	for _, lt := range lite {
		if _, ok := skip[lt.name]; !ok {
			tables = append(tables, copyTable{name: lt.name})
		}
	}
	if tables, err = inOrder(tables, lite); err != nil {
		return nil, err
	}
	var names []string
	for _, t := range tables {
		names = append(names, t.name)
	}
	return names, nil
}
