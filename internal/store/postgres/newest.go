package postgres

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

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
// rows.NewestPage, which reads as little of each stream as it can). A
// round of reads is one query a kind of stream (one for all the followed
// authors, one for the categories, ...), not one a follow.
func (s *Store) newestOf(ctx context.Context, what string, streams []stream, after store.PaperCursor, limit int) ([]rows.Newest, error) {
	return rows.NewestPageInRounds(len(streams), after, limit, func(reads []rows.Read) ([][]rows.Newest, error) {
		out := make([][]rows.Newest, len(reads))
		for _, kind := range readsByQuery(streams, reads) {
			for len(kind) > 0 {
				part := kind[:min(len(kind), maxArms)]
				kind = kind[len(part):]
				if err := s.readStreams(ctx, what, streams, reads, part, out); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	})
}

// maxArms is the most streams one query reads (a reader may follow 500
// authors): each number of parts is a statement pgx keeps.
const maxArms = 64

// readsByQuery groups a round's reads (by their index in reads) by the
// query of their stream, in the order of first appearance.
func readsByQuery(streams []stream, reads []rows.Read) [][]int {
	var groups [][]int
	at := map[string]int{}
	for k, r := range reads {
		q := streams[r.Stream].query
		g, ok := at[q]
		if !ok {
			g = len(groups)
			at[q] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], k)
	}
	return groups
}

// noCursor is after every paper: a first read takes the same statement as
// the next ones.
var noCursor = store.PaperCursor{Published: math.MaxInt64, Seq: math.MaxInt64}

// readStreams answers the reads of one kind of stream (reads[k] for k in
// kind, all of the same query) with one UNION ALL of a range each, tagged
// with k, into out[k]. A stream's query numbers its own arguments from $1;
// they are renumbered here for its place in the whole.
func (s *Store) readStreams(ctx context.Context, what string, streams []stream, reads []rows.Read, kind []int, out [][]rows.Newest) error {
	var q strings.Builder
	args := make([]any, 0, len(kind)*8)
	for j, k := range kind {
		r := reads[k]
		if j > 0 {
			q.WriteString(" UNION ALL ")
		}
		sq := streams[r.Stream]
		at := len(args)
		fmt.Fprintf(&q, `(SELECT $%d::int AS k, published, paper_seq FROM (%s) x
			WHERE NOT EXISTS (SELECT 1 FROM feed_entries h WHERE h.paper_seq = x.paper_seq AND h.hidden)
			AND (published, paper_seq) < ($%d, $%d)
			ORDER BY published DESC, paper_seq DESC LIMIT $%d)`,
			at+1, renumber(sq.query, at+1), at+len(sq.args)+2, at+len(sq.args)+3, at+len(sq.args)+4)
		after := r.After
		if after == (store.PaperCursor{}) {
			after = noCursor
		}
		args = append(args, k)
		args = append(args, sq.args...)
		args = append(args, after.Published, after.Seq, r.N)
	}
	type tagged struct {
		k int
		n rows.Newest
	}
	got, err := queryAll(ctx, s.pool, what, func(scan func(dest ...any) error) (tagged, error) {
		var t tagged
		err := scan(&t.k, &t.n.Published, &t.n.Seq)
		return t, err
	}, q.String(), args...)
	if err != nil {
		return err
	}
	for _, t := range got {
		if t.k < 0 || t.k >= len(out) {
			return fmt.Errorf("%s: a row of read %d of %d", what, t.k, len(out))
		}
		out[t.k] = append(out[t.k], t.n)
	}
	return nil
}

// renumber shifts the $n placeholders of a stream's query by by.
func renumber(q string, by int) string {
	return placeholder.ReplaceAllStringFunc(q, func(p string) string {
		n, _ := strconv.Atoi(p[1:])
		return "$" + strconv.Itoa(n+by)
	})
}

var placeholder = regexp.MustCompile(`\$[0-9]+`)

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
	type row struct {
		it  store.FeedItem
		seq int64
	}
	got, err := queryAll(ctx, s.pool, what, func(scan func(dest ...any) error) (row, error) {
		var r row
		var err error
		r.it, err = rows.ScanMaybeFeedItem(func(dest ...any) error { return scan(append(dest, &r.seq)...) })
		return r, err
	}, `SELECT `+feedCols+`, p.seq FROM papers p
		LEFT JOIN LATERAL (SELECT * FROM feed_entries e WHERE e.paper_seq = p.seq ORDER BY e.day LIMIT 1) f ON TRUE
		LEFT JOIN users u ON u.id = f.submitter_id
		WHERE p.seq = ANY($1)`, seqs)
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
