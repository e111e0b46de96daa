package recommend

import (
	"fmt"
	"math"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// nearMin is the similarity (the mean of the term and embedding cosines,
// or the term cosine alone) from which a liked paper is named as a
// reason: below it papers share a field more than a topic.
const nearMin = 0.15

// kindWords say what the reader did, in a reason.
var kindWords = map[store.SignalKind]string{
	store.SignalUpvote:       "upvoted",
	store.SignalMoreLikeThis: "asked more of",
	store.SignalSeedPaper:    "picked",
	store.SignalSaved:        "saved",
	store.SignalCollected:    "put in a collection",
	store.SignalRead:         "read",
}

// reason says in a few words why the paper is in the reader's ranking:
// a followed author, the liked papers it is most like, a followed
// category, or the categories the reader's papers are in.
func (s *Service) reason(r *reader, it *Item, p paper.Paper) string {
	return s.reasonFor(r.model, r.liked, it)
}

// reasonFor is the reason of it by the model m, whose positives are
// liked: what a ranking keeps with the model it was made by.
func (s *Service) reasonFor(m *Model, liked []likedPaper, it *Item) string {
	for _, a := range it.Authors {
		if m.follows[a] > 0 {
			return fmt.Sprintf("by %s, whom you follow", s.feats.Authors.Name(a))
		}
	}
	best, sim := m.Nearest(it)
	if best >= 0 && sim >= nearMin {
		return s.likeReason(m, liked, it, best, sim)
	}
	for _, c := range it.Cats {
		if m.catFollow[c] > 0 {
			return fmt.Sprintf("in %s, which you follow", s.feats.Cats.Name(c))
		}
	}
	if best >= 0 && sim > 0 {
		return s.likeReason(m, liked, it, best, sim)
	}
	bestCat, bestLift := int32(-1), 0.0
	for _, c := range it.Cats {
		if l := m.catLift[c]; l > bestLift {
			bestCat, bestLift = c, l
		}
	}
	if bestCat >= 0 {
		return fmt.Sprintf("in %s, where many papers you liked are", s.feats.Cats.Name(bestCat))
	}
	return "close to what you liked"
}

// likeReason names the liked paper most like it, and how many more are
// among those reasons are drawn from (Model.reasonIdx).
func (s *Service) likeReason(m *Model, liked []likedPaper, it *Item, best int, sim float32) string {
	n, sameKind := 0, true
	floor := float32(math.Max(nearMin, float64(sim)*0.8))
	for _, i := range m.reasonIdx {
		e := m.liked[i]
		if i == best || similarity(it.Terms, it.Vec, e.Item.Terms, e.Item.Vec) >= floor {
			n++
			sameKind = sameKind && liked[i].kind == liked[best].kind
		}
	}
	b := liked[best]
	what := kindWords[b.kind]
	if what == "" {
		what = "liked"
	}
	if n <= 1 {
		return fmt.Sprintf("like “%s”, which you %s", b.title, what)
	}
	if !sameKind {
		what = "liked"
	}
	return fmt.Sprintf("like %d papers you %s, e.g. “%s”", n, what, b.title)
}
