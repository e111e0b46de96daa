// Package rows maps table rows to the store's types and back, once for
// both backends. Each backend keeps its own SQL and column lists (never one
// SQL string for two dialects); what is written here is the order of the
// columns a list names and what each becomes.
//
// A scanner takes scan, the Scan method of a *sql.Row, *sql.Rows, pgx.Row
// or pgx.Rows, so that the same code reads one row and many, on either
// driver. The two drivers agree on what it reads into: both keep times as
// unix milliseconds in an integer column (Millis reads them), both hand
// over a JSON column (SQLite's TEXT, PostgreSQL's JSONB) as a string, and
// both fill database/sql's Scanner types (sql.NullString, sql.NullInt64)
// from nullable columns.
package rows

import (
	"database/sql"
	"fmt"
	"html/template"
	"time"
)

// Millis is a scan destination for a unix-milliseconds column: it sets *t
// to that time in UTC, or to the zero time for NULL.
func Millis(t *time.Time) sql.Scanner { return millis{t} }

// millis is one pointer, so that an interface holds it without allocating.
type millis struct{ t *time.Time }

func (m millis) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*m.t = time.Time{}
	case int64:
		*m.t = time.UnixMilli(v).UTC()
	default:
		return fmt.Errorf("unix ms column holds %T", src)
	}
	return nil
}

// NullMillis is a time as the tables keep it: unix milliseconds, or NULL
// for the zero time.
func NullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// OrNow is t, or the current time when t is zero, in UTC and truncated to
// the milliseconds the store keeps.
func OrNow(t time.Time) time.Time {
	if t.IsZero() {
		return Now()
	}
	return t.UTC().Truncate(time.Millisecond)
}

// NullID is an id column's value: NULL for 0.
func NullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// NullHTML stores no HTML as NULL: not rendered yet.
func NullHTML(h template.HTML) any {
	if h == "" {
		return nil
	}
	return string(h)
}

// NonNil is s, or an empty slice for nil, so that JSON writes [] not null.
func NonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Now is the current time as the store keeps it: UTC, in milliseconds.
func Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// Rows is a query's result as both drivers' rows are (*sql.Rows,
// pgx.Rows); closing it is left to the caller, whose driver says how.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// All reads every row of rs with scan.
func All[T any](rs Rows, scan func(scan func(dest ...any) error) (T, error)) ([]T, error) {
	var out []T
	for rs.Next() {
		v, err := scan(rs.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Wrap is what a backend's wrap does, deferred at the top of a method as
// pkgsite's derrors.Wrap is: an error leaving the method is mapped to the
// store's sentinels by mapErr, once, and prefixed with "store: " and what
// the method was doing.
func Wrap(errp *error, mapErr func(error) error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("store: %s: %w", fmt.Sprintf(format, args...), mapErr(*errp))
	}
}
