package sqlite

import (
	"context"
	"database/sql"
)

// bumpVersion increases the store version inside a write transaction, so
// the new number becomes visible exactly when the change does.
func bumpVersion(tx *sql.Tx) error {
	_, err := tx.Exec(`UPDATE store_version SET v = v + 1 WHERE id = 1`)
	return err
}

// Version reads the store version.
func (s *Store) Version(ctx context.Context) (v int64, err error) {
	defer wrap(&err, "version")
	err = s.version.QueryRowContext(ctx).Scan(&v)
	return v, err
}
