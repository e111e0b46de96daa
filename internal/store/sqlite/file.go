package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/url"
	"os"
)

// OpenFile opens an existing SQLite database file as a plain database/sql
// handle of one connection, read-only if asked, after checking that it is
// one: for tools that read its tables themselves (copy) rather than through
// the store, so it neither creates nor migrates the file. (A read-only
// connection cannot remove the -wal and -shm files when it closes; they are
// harmless.)
func OpenFile(ctx context.Context, path string, readOnly bool) (*sql.DB, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errors.New("no such file")
		}
		return nil, err
	}
	head := make([]byte, 16)
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || string(head) != "SQLite format 3\x00" {
		return nil, errors.New("not a SQLite database")
	}
	q := url.Values{}
	if readOnly {
		q.Set("mode", "ro")
	}
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+uriPath.Replace(path)+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
