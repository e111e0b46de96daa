package postgres

import (
	"context"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Not yet written: the community.
// Each is replaced by its implementation; the file goes when it is empty.

func (s *Store) Account(ctx context.Context, id int64) (store.Account, error) {
	return store.Account{}, errNotYet
}

func (s *Store) UserByName(ctx context.Context, username string) (store.User, error) {
	return store.User{}, errNotYet
}

func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) error {
	return errNotYet
}

func (s *Store) SetDisabled(ctx context.Context, userID int64, at time.Time) error {
	return errNotYet
}

func (s *Store) CreatePasswordReset(ctx context.Context, r store.PasswordReset) error {
	return errNotYet
}

func (s *Store) ResetPassword(ctx context.Context, tokenHash []byte, hash string, now time.Time) (store.Account, error) {
	return store.Account{}, errNotYet
}

func (s *Store) Submit(ctx context.Context, sub store.NewSubmission) (store.FeedItem, error) {
	return store.FeedItem{}, errNotYet
}

func (s *Store) SubmittedOn(ctx context.Context, userID int64, day string) (int, error) {
	return 0, errNotYet
}

func (s *Store) UserSubmissions(ctx context.Context, userID int64, limit int) ([]store.FeedItem, error) {
	return nil, errNotYet
}

func (s *Store) HidePaper(ctx context.Context, id paper.ID, hidden bool) error {
	return errNotYet
}

func (s *Store) Vote(ctx context.Context, userID int64, id paper.ID, up bool) (int, error) {
	return 0, errNotYet
}

func (s *Store) Voted(ctx context.Context, userID int64, ids []paper.ID) (map[paper.ID]bool, error) {
	return nil, errNotYet
}

func (s *Store) UserUpvotes(ctx context.Context, userID int64, limit int) ([]paper.Paper, error) {
	return nil, errNotYet
}

func (s *Store) AddComment(ctx context.Context, c store.Comment) (store.Comment, error) {
	return store.Comment{}, errNotYet
}

func (s *Store) Comment(ctx context.Context, id int64) (store.Comment, error) {
	return store.Comment{}, errNotYet
}

func (s *Store) Comments(ctx context.Context, id paper.ID) ([]store.Comment, error) {
	return nil, errNotYet
}

func (s *Store) EditComment(ctx context.Context, id int64, body string, at time.Time) error {
	return errNotYet
}

func (s *Store) DeleteComment(ctx context.Context, id int64, at time.Time) error {
	return errNotYet
}

func (s *Store) HideComment(ctx context.Context, id int64, hidden bool) error {
	return errNotYet
}

func (s *Store) ReportComment(ctx context.Context, r store.Report) (store.Report, error) {
	return store.Report{}, errNotYet
}

func (s *Store) OpenReports(ctx context.Context, limit int) ([]store.OpenReport, error) {
	return nil, errNotYet
}

func (s *Store) ResolveReports(ctx context.Context, commentID int64, at time.Time) error {
	return errNotYet
}

func (s *Store) CreateAPIToken(ctx context.Context, t store.APIToken) (store.APIToken, error) {
	return store.APIToken{}, errNotYet
}

func (s *Store) APITokens(ctx context.Context, userID int64) ([]store.APIToken, error) {
	return nil, errNotYet
}

func (s *Store) RevokeAPIToken(ctx context.Context, userID, tokenID int64, at time.Time) error {
	return errNotYet
}

func (s *Store) APITokenAccount(ctx context.Context, tokenHash []byte, now time.Time) (store.Account, store.APIToken, error) {
	return store.Account{}, store.APIToken{}, errNotYet
}
