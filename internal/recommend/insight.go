package recommend

import (
	"cmp"
	"context"
	"slices"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Weighted is a feature the model learnt and its weight.
type Weighted struct {
	Name   string
	Weight float64
}

// Insight is what a reader's model thinks they like, and what it learnt
// that from.
type Insight struct {
	// Terms are the title and abstract terms (stemmed, as search indexes
	// them) with the largest weights in the linear model.
	Terms []Weighted
	// Categories by their lift among the reader's papers and follows.
	Categories []Weighted
	// Authors by their weight in the linear model, followed ones first.
	Authors []Weighted
	Signals []store.Signal
	// Titles of the signals' papers.
	Titles map[paper.ID]string
	Paused bool
}

// insightTop is how many of each kind Insight lists.
const insightTop = 15

// Insight describes the reader's model.
func (s *Service) Insight(ctx context.Context, a store.Account) (Insight, error) {
	if !a.DisabledAt.IsZero() {
		return Insight{}, ErrDisabled
	}
	if !s.ix.Ready() {
		return Insight{}, ErrNotReady
	}
	r, st, err := s.reader(ctx, a.ID)
	if err != nil {
		return Insight{}, err
	}
	// The signals as they are now, each removable, though the model
	// below may not have learnt from the newest yet.
	sigs, err := s.st.ReaderSignals(ctx, a.ID)
	if err != nil {
		return Insight{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	in := Insight{Signals: sigs, Paused: st.Paused, Titles: map[paper.ID]string{}}
	for _, l := range r.liked {
		in.Titles[l.id] = l.title
	}
	var ids []paper.ID
	for _, sg := range sigs {
		if _, ok := in.Titles[sg.Paper]; !ok && sg.Kind.OnPaper() {
			ids = append(ids, sg.Paper)
		}
	}
	if len(ids) > 0 {
		ps, err := s.st.PapersOnFeed(ctx, ids)
		if err != nil {
			return Insight{}, err
		}
		for _, p := range ps {
			in.Titles[p.Paper.ID] = p.Paper.Title
		}
	}
	m := r.model
	if m == nil {
		return in, nil
	}
	for t, w := range m.wTerms {
		if w > 0 {
			in.Terms = append(in.Terms, Weighted{s.feats.Terms.Name(int32(t)), float64(w)})
		}
	}
	for c, l := range m.catLift {
		if l > 0 {
			in.Categories = append(in.Categories, Weighted{s.feats.Cats.Name(c), l})
		}
	}
	authors := map[int32]float64{}
	for au, w := range m.wAuthors {
		if w > 0 {
			authors[au] = float64(w)
		}
	}
	for au, w := range m.follows {
		authors[au] += w
	}
	for au, w := range authors {
		in.Authors = append(in.Authors, Weighted{s.feats.Authors.Name(au), w})
	}
	for _, l := range []*[]Weighted{&in.Terms, &in.Categories, &in.Authors} {
		slices.SortFunc(*l, func(a, b Weighted) int {
			return cmp.Or(cmp.Compare(b.Weight, a.Weight), cmp.Compare(a.Name, b.Name))
		})
		*l = (*l)[:min(len(*l), insightTop)]
	}
	return in, nil
}
