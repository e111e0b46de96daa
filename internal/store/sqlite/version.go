package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// bumpVersion increases the store version inside a write transaction, so
// the new number becomes visible exactly when the change does.
func bumpVersion(tx *sql.Tx) error {
	_, err := tx.Exec(`UPDATE store_version SET v = v + 1 WHERE id = 1`)
	return err
}

// Version reads the store version.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.version.QueryRowContext(ctx).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: version: %w", err)
	}
	return v, nil
}
