package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"

	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/internal/rows"
)

// stream is a query of (published, paper_seq) rows, each paper once: one
// author's, one category's, one person's papers. Every stream's table is
// read newest first from an index, so a page costs a short range of each.
type stream struct {
	query string
	args  []any
}

// newestOf reads the first limit papers after the cursor, of all the
// streams together, that are not hidden from the feed (see
// rows.NewestPage, which reads as little of each stream as it can).
func (s *Store) newestOf(ctx context.Context, what string, streams []stream, after store.PaperCursor, limit int) ([]rows.Newest, error) {
	return rows.NewestPage(len(streams), after, limit, func(i int, after store.PaperCursor, n int) ([]rows.Newest, error) {
		q := `SELECT published, paper_seq FROM (` + streams[i].query + `) x
			WHERE NOT EXISTS (SELECT 1 FROM feed_entries h WHERE h.paper_seq = x.paper_seq AND h.hidden <> 0)`
		args := slices.Clone(streams[i].args)
		if after != (store.PaperCursor{}) {
			q += ` AND published <= ? AND (published < ? OR paper_seq < ?)`
			args = append(args, after.Published, after.Published, after.Seq)
		}
		st, err := s.stmt(ctx, q+` ORDER BY published DESC, paper_seq DESC LIMIT ?`)
		if err != nil {
			return nil, err
		}
		rs, err := st.QueryContext(ctx, append(args, n)...)
		return collect(what, rs, err, func(scan func(dest ...any) error) (rows.Newest, error) {
			var n rows.Newest
			err := scan(&n.Published, &n.Seq)
			return n, err
		})
	})
}

// stmt is the reader's prepared statement of q, made at first use.
func (s *Store) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.r.PrepareContext(ctx, q)
	if err != nil {
		return nil, mapErr(err)
	}
	if prev, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// pageOf reads a page of limit papers from the streams, with the cursor
// of the next page.
func (s *Store) pageOf(ctx context.Context, what string, streams []stream, after store.PaperCursor, limit int) ([]store.FeedItem, store.PaperCursor, error) {
	if limit <= 0 || len(streams) == 0 {
		return nil, store.PaperCursor{}, nil
	}
	merged, err := s.newestOf(ctx, what, streams, after, limit+1) // one more says whether a page follows
	if err != nil {
		return nil, store.PaperCursor{}, err
	}
	page, next := rows.CursorAfter(merged, limit)
	items, err := s.feedItemsBySeq(ctx, what, page)
	return items, next, err
}

// feedItemsBySeq reads papers with their first feed entry, in the order given.
func (s *Store) feedItemsBySeq(ctx context.Context, what string, page []rows.Newest) ([]store.FeedItem, error) {
	if len(page) == 0 {
		return nil, nil
	}
	seqs := make([]int64, len(page))
	for i, n := range page {
		seqs[i] = n.Seq
	}
	list, err := json.Marshal(seqs)
	if err != nil {
		return nil, err
	}
	type row struct {
		it  store.FeedItem
		seq int64
	}
	got, err := queryPrepared(ctx, s, what, func(scan func(dest ...any) error) (row, error) {
		var r row
		var err error
		r.it, err = rows.ScanMaybeFeedItem(func(dest ...any) error { return scan(append(dest, &r.seq)...) })
		return r, err
	}, `SELECT `+feedCols+`, p.seq FROM papers p
		LEFT JOIN feed_entries f ON f.paper_seq = p.seq
			AND f.day = (SELECT min(day) FROM feed_entries e WHERE e.paper_seq = p.seq)
		LEFT JOIN users u ON u.id = f.submitter_id
		WHERE p.seq IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, err
	}
	bySeq := make(map[int64]store.FeedItem, len(got))
	for _, r := range got {
		bySeq[r.seq] = r.it
	}
	out := make([]store.FeedItem, 0, len(seqs))
	for _, seq := range seqs {
		if it, ok := bySeq[seq]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}
