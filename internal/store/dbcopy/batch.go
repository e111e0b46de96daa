package dbcopy

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// tableProgress is a table's row of copy_progress.
type tableProgress struct {
	lastKey string // encodeKey of the last row copied; "" before the first
	rows    int64
	done    bool
	known   bool // the row exists
}

// loadProgress reads copy_progress; resuming is whether it exists.
func loadProgress(ctx context.Context, conn *pgx.Conn) (map[string]tableProgress, bool, error) {
	out := map[string]tableProgress{}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('copy_progress') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return out, false, err
	}
	rows, err := conn.Query(ctx, `SELECT tbl, last_key, rows, done FROM copy_progress`)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var p tableProgress
		if err := rows.Scan(&name, &p.lastKey, &p.rows, &p.done); err != nil {
			return nil, false, err
		}
		p.known = true
		out[name] = p
	}
	return out, true, rows.Err()
}

// checkEmpty refuses a target that holds data (store_version's row aside)
// without a copy to resume.
func checkEmpty(ctx context.Context, conn *pgx.Conn, tables []copyTable) error {
	var papers int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM papers`).Scan(&papers); err != nil {
		return err
	}
	if papers > 0 {
		return fmt.Errorf("the target already holds %d papers; copy into an empty database", papers)
	}
	for _, t := range tables {
		if t.replace {
			continue
		}
		var some bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t.name+`)`).Scan(&some); err != nil {
			return err
		}
		if some {
			return fmt.Errorf("the target already holds rows in %s; copy into an empty database", t.name)
		}
	}
	return nil
}

// copier copies tables in batches, each committed with its progress.
type copier struct {
	src       *sql.Tx
	dst       *pgx.Conn
	batch     int
	stopAfter int // the test hook (StopAfterEnv); 0 is off
	batches   int
	copied    int64
	progress  map[string]tableProgress
	bar       func()
}

func (c *copier) copyTable(ctx context.Context, t *copyTable) error {
	p := c.progress[t.name]
	if p.done {
		return nil
	}
	var after []any
	if p.lastKey != "" {
		var err error
		if after, err = decodeKey(p.lastKey, t); err != nil {
			return fmt.Errorf("%s: copy_progress: %w", t.name, err)
		}
	}
	sel := `SELECT ` + t.liteCols(len(t.cols)) + ` FROM ` + t.name
	order := ` ORDER BY ` + t.liteCols(t.nkey) + ` LIMIT ?`
	first := sel + order
	next := sel + ` WHERE (` + t.liteCols(t.nkey) + `) > (` + strings.TrimSuffix(strings.Repeat("?, ", t.nkey), ", ") + `)` + order
	for {
		q, args := first, []any{c.batch}
		if after != nil {
			q, args = next, append(slices.Clone(after), c.batch)
		}
		rows, err := c.readBatch(ctx, t, q, args)
		if err != nil {
			return err
		}
		done := len(rows) < c.batch
		from := "the start"
		if p.lastKey != "" {
			from = "key " + p.lastKey
		}
		if len(rows) > 0 {
			after = rows[len(rows)-1][:t.nkey]
			p.lastKey = encodeKey(after)
		}
		p.rows += int64(len(rows))
		p.done = done
		if err := c.write(ctx, t, rows, p); err != nil {
			return fmt.Errorf("%s, the batch from %s: %w", t.name, from, err)
		}
		p.known = true
		c.progress[t.name] = p
		c.copied += int64(len(rows))
		c.bar()
		c.batches++
		if c.stopAfter > 0 && c.batches >= c.stopAfter {
			return fmt.Errorf("stopped after %d batches (%s)", c.batches, StopAfterEnv)
		}
		if done {
			return nil
		}
	}
}

// readBatch reads one batch from SQLite, converting every value.
func (c *copier) readBatch(ctx context.Context, t *copyTable, q string, args []any) ([][]any, error) {
	rows, err := c.src.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: reading SQLite: %w", t.name, err)
	}
	defer rows.Close()
	var out [][]any
	ptrs := make([]any, len(t.cols))
	for rows.Next() {
		vals := make([]any, len(t.cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("%s: reading SQLite: %w", t.name, err)
		}
		for i, col := range t.cols {
			v, err := pgValue(col.kind, vals[i])
			if err != nil {
				return nil, fmt.Errorf("%s, the row with %s = %v: column %s: %w", t.name, t.cols[0].name, vals[0], col.name, err)
			}
			vals[i] = v
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: reading SQLite: %w", t.name, err)
	}
	return out, nil
}

// write commits a batch and the table's progress in one transaction.
func (c *copier) write(ctx context.Context, t *copyTable, rows [][]any, p tableProgress) error {
	tx, err := c.dst.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if t.replace && !p.known {
		if _, err := tx.Exec(ctx, `DELETE FROM `+t.name); err != nil {
			return err
		}
	}
	if len(rows) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.names(), pgx.CopyFromRows(rows)); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO copy_progress (tbl, last_key, rows, done) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tbl) DO UPDATE SET last_key = excluded.last_key, rows = excluded.rows, done = excluded.done`,
		t.name, p.lastKey, p.rows, p.done); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// encodeKey writes a row's key for copy_progress: a JSON array (bytes in
// base64, as encoding/json writes them).
func encodeKey(key []any) string {
	b, _ := json.Marshal(key)
	return string(b)
}

func decodeKey(s string, t *copyTable) ([]any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var raw []any
	if err := d.Decode(&raw); err != nil || len(raw) != t.nkey {
		return nil, fmt.Errorf("bad key %q", s)
	}
	out := make([]any, t.nkey)
	for i, c := range t.cols[:t.nkey] {
		var err error
		switch c.kind {
		case kInt:
			n, _ := raw[i].(json.Number)
			out[i], err = n.Int64()
		case kText:
			var ok bool
			if out[i], ok = raw[i].(string); !ok {
				err = errors.New("not a string")
			}
		case kBytes:
			s, _ := raw[i].(string)
			out[i], err = base64.StdEncoding.DecodeString(s)
		default:
			err = errors.New("not a key kind")
		}
		if err != nil {
			return nil, fmt.Errorf("bad key %q: %v", s, err)
		}
	}
	return out, nil
}
