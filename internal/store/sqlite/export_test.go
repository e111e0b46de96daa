package sqlite

import (
	"context"
	"strconv"
)

// Pragmas reads an integer pragma on a connection of the read pool and on
// the writer, for tests of how connections are set up.
func (s *Store) Pragmas(ctx context.Context, name string) (reader, writer int64, err error) {
	if err = s.r.QueryRowContext(ctx, `PRAGMA `+name).Scan(&reader); err != nil {
		return
	}
	err = s.w.QueryRowContext(ctx, `PRAGMA `+name).Scan(&writer)
	return
}

// SetBusyTimeout shortens how long the writer waits for the write lock,
// so that a test of a lock held by another program takes milliseconds,
// not the ten seconds the store waits.
func (s *Store) SetBusyTimeout(ctx context.Context, ms int) error {
	_, err := s.w.ExecContext(ctx, `PRAGMA busy_timeout = `+strconv.Itoa(ms))
	return err
}

// SetFullQueueSync commits the mail queue's steps with synchronous=FULL.
func (s *Store) SetFullQueueSync(full bool) { s.fullQueueSync = full }
