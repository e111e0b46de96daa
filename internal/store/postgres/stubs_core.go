package postgres

import (
	"context"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Not yet written: papers, import, feed, changes, vectors, accounts, sessions, stats.
// Each is replaced by its implementation; the file goes when it is empty.

func (s *Store) Paper(ctx context.Context, id paper.ID) (paper.Paper, error) {
	return paper.Paper{}, errNotYet
}

func (s *Store) Submissions(ctx context.Context, id paper.ID) ([]store.FeedItem, error) {
	return nil, errNotYet
}

func (s *Store) Feed(ctx context.Context, q store.FeedQuery) ([]store.FeedItem, error) {
	return nil, errNotYet
}

func (s *Store) FeedCount(ctx context.Context, from, to string) (int, error) {
	return 0, errNotYet
}

func (s *Store) FeedDays(ctx context.Context, from, to string) ([]store.DayCount, error) {
	return nil, errNotYet
}

func (s *Store) LatestFeedDay(ctx context.Context) (string, error) {
	return "", errNotYet
}

func (s *Store) AdjacentFeedDays(ctx context.Context, day string) (prev, next string, err error) {
	return "", "", errNotYet
}

func (s *Store) SubmittedSince(ctx context.Context, t time.Time) ([]store.FeedItem, error) {
	return nil, errNotYet
}

func (s *Store) LatestSubmission(ctx context.Context) (time.Time, error) {
	return time.Time{}, errNotYet
}

func (s *Store) LatestPapers(ctx context.Context, after store.PaperCursor, limit int) ([]paper.Paper, store.PaperCursor, error) {
	return nil, store.PaperCursor{}, errNotYet
}

func (s *Store) ChangedPapers(ctx context.Context, after store.Cursor, limit int) ([]store.ChangedPaper, error) {
	return nil, errNotYet
}

func (s *Store) MissingVectors(ctx context.Context, model string, after store.Cursor, limit int) ([]store.EmbedTask, error) {
	return nil, errNotYet
}

func (s *Store) PutVectors(ctx context.Context, model string, vs []store.Vector) error {
	return errNotYet
}

func (s *Store) ChangedVectors(ctx context.Context, model string, after int64, limit int) ([]store.Vector, error) {
	return nil, errNotYet
}

func (s *Store) CreateAccount(ctx context.Context, a store.Account) (store.Account, error) {
	return store.Account{}, errNotYet
}

func (s *Store) AccountByEmail(ctx context.Context, email string) (store.Account, error) {
	return store.Account{}, errNotYet
}

func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	return errNotYet
}

func (s *Store) SessionAccount(ctx context.Context, tokenHash []byte, now time.Time) (store.Account, store.Session, error) {
	return store.Account{}, store.Session{}, errNotYet
}

func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return errNotYet
}

func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	return errNotYet
}

func (s *Store) BeginImport(ctx context.Context) (store.Import, error) {
	return nil, errNotYet
}

func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	return store.Stats{}, errNotYet
}
