package rows

import (
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// ScanClaim reads a claim's columns as each backend's claimCols names
// them: the claim (id, user_id, the paper's id, position, name,
// author_key, status, hidden, created_at, decided_at), the paper's title,
// then its account's users columns (see UserDest).
func ScanClaim(scan func(dest ...any) error) (store.Claim, error) {
	var c store.Claim
	var id, status string
	dest := append([]any{&c.ID, &c.UserID, &id, &c.Position, &c.Name, &c.Key, &status, &c.Hidden,
		Millis(&c.CreatedAt), Millis(&c.DecidedAt), &c.Title}, UserDest(&c.User)...)
	if err := scan(dest...); err != nil {
		return c, err
	}
	c.PaperID, c.Status = paper.ID(id), store.ClaimStatus(status)
	return c, nil
}
