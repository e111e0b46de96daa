package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// bumpVersion takes the next store version inside a transaction and keeps
// store_version's row locked until the transaction ends (see the package
// comment). Call it first in a transaction that changes what pages show.
func bumpVersion(ctx context.Context, tx pgx.Tx) (int64, error) {
	var v int64
	err := tx.QueryRow(ctx, `UPDATE store_version SET v = v + 1 WHERE id = 1 RETURNING v`).Scan(&v)
	return v, err
}

// Version reads the store version.
func (s *Store) Version(ctx context.Context) (v int64, err error) {
	defer wrap(&err, "version")
	err = s.pool.QueryRow(ctx, `SELECT v FROM store_version WHERE id = 1`).Scan(&v)
	return v, err
}
