package sqlite

import "context"

// Pragmas reads an integer pragma on a connection of the read pool and on
// the writer, for tests of how connections are set up.
func (s *Store) Pragmas(ctx context.Context, name string) (reader, writer int64, err error) {
	if err = s.r.QueryRowContext(ctx, `PRAGMA `+name).Scan(&reader); err != nil {
		return
	}
	err = s.w.QueryRowContext(ctx, `PRAGMA `+name).Scan(&writer)
	return
}

// SetFullQueueSync commits the mail queue's steps with synchronous=FULL.
func (s *Store) SetFullQueueSync(full bool) { s.fullQueueSync = full }
