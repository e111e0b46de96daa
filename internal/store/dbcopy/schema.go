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

// skip are the SQLite tables copy leaves behind, each with its reason.
// Every other table of the file is copied: the list of what to copy is the
// schemas themselves, so a table a migration adds is carried without
// another list to keep.
var skip = map[string]string{
	"schema_migrations": "each backend records its own migrations, numbered apart; copy migrates the target",
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
func readLite(ctx context.Context, q *sql.DB) ([]liteTable, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.name, l.wr, c.name, upper(c.type), c.pk FROM sqlite_master m
		JOIN pragma_table_list(m.name) l ON l.schema = 'main' JOIN pragma_table_info(m.name) c
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY m.rowid, c.cid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []liteTable
	for rows.Next() {
		var name string
		var withoutRowid bool
		var c liteCol
		if err := rows.Scan(&name, &withoutRowid, &c.name, &c.typ, &c.pk); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].name != name {
			out = append(out, liteTable{name: name, rowid: !withoutRowid})
		}
		out[len(out)-1].cols = append(out[len(out)-1].cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(out, func(t liteTable) bool { return t.name == "schema_migrations" }) {
		return nil, errors.New("not a dailypapers database (no schema_migrations table)")
	}
	refs, err := q.QueryContext(ctx, `SELECT DISTINCT m.name, f."table" FROM sqlite_master m
		JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'`)
	if err != nil {
		return nil, err
	}
	defer refs.Close()
	for refs.Next() {
		var name, ref string
		if err := refs.Scan(&name, &ref); err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(out, func(t liteTable) bool { return t.name == name }); i >= 0 {
			out[i].refs = append(out[i].refs, ref)
		}
	}
	return out, refs.Err()
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
// in the same millisecond as the rowid does); otherwise the key is the
// primary key. The key's columns come first, then the rest in SQLite's order.
func planTable(lt liteTable, pcols []pgCol) (copyTable, error) {
	t := copyTable{name: lt.name, replace: seeded[lt.name]}
	kind := map[string]colKind{}
	var missing, extra []string
	for _, pc := range pcols {
		rule, ok := kinds[pc.typ]
		if !ok {
			return t, fmt.Errorf("table %s, column %s: copy cannot fill PostgreSQL's %s", lt.name, pc.name, pc.typ)
		}
		kind[pc.name] = rule.kind
		if pc.serial {
			t.serials = append(t.serials, pc.name)
		}
		i := slices.IndexFunc(lt.cols, func(l liteCol) bool { return l.name == pc.name })
		switch {
		case i >= 0 && lt.cols[i].typ != rule.lite:
			return t, fmt.Errorf("table %s, column %s: %s in SQLite, %s in PostgreSQL, which copy cannot convert", lt.name, pc.name, lt.cols[i].typ, pc.typ)
		case i < 0 && pc.serial && rule.kind == kInt && lt.rowid && t.nkey == 0:
			t.cols, t.nkey = []copyCol{{name: pc.name, kind: kInt, lite: "rowid"}}, 1
		case i < 0:
			missing = append(missing, pc.name)
		}
	}
	if len(missing) > 0 {
		return t, fmt.Errorf("table %s lacks the columns %s: %s", lt.name, strings.Join(missing, ", "), errBehind)
	}
	if t.nkey == 0 {
		pk := slices.DeleteFunc(slices.Clone(lt.cols), func(c liteCol) bool { return c.pk == 0 })
		slices.SortFunc(pk, func(a, b liteCol) int { return a.pk - b.pk })
		for _, c := range pk {
			t.cols = append(t.cols, copyCol{name: c.name, kind: kind[c.name]})
		}
		if t.nkey = len(pk); t.nkey == 0 {
			return t, fmt.Errorf("table %s has no primary key to copy it by", lt.name)
		}
	}
	for _, lc := range lt.cols {
		if _, ok := kind[lc.name]; !ok {
			extra = append(extra, lc.name)
		} else if !slices.ContainsFunc(t.cols[:t.nkey], func(k copyCol) bool { return k.name == lc.name }) {
			t.cols = append(t.cols, copyCol{name: lc.name, kind: kind[lc.name]})
		}
	}
	if len(extra) > 0 {
		return t, fmt.Errorf("table %s has columns unknown to copy: %s: %s", lt.name, strings.Join(extra, ", "), errBehind)
	}
	return t, nil
}

// inOrder puts each table after the tables it refers to, and otherwise
// keeps the order the file made them in.
func inOrder(tables []copyTable, lite []liteTable) ([]copyTable, error) {
	refs := map[string][]string{}
	for _, lt := range lite {
		refs[lt.name] = lt.refs
	}
	waiting := slices.Clone(tables)
	var out []copyTable
	for len(waiting) > 0 {
		// The first table that refers to none still waiting but itself.
		i := slices.IndexFunc(waiting, func(t copyTable) bool {
			return !slices.ContainsFunc(refs[t.name], func(r string) bool {
				return r != t.name && slices.ContainsFunc(waiting, func(w copyTable) bool { return w.name == r })
			})
		})
		if i < 0 {
			return nil, errors.New("the tables' foreign keys form a cycle, which copy cannot order")
		}
		out = append(out, waiting[i])
		waiting = slices.Delete(waiting, i, i+1)
	}
	return out, nil
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
