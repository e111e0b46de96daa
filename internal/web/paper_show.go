package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/cite"
	"github.com/dailypapers/dailypapers/internal/markdown"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// paperPage is one paper with everything known about it.
type paperPage struct {
	layout
	Paper       paper.Paper
	Submissions []store.FeedItem
	Similar     []paper.Paper
	Comments    []commentView
	Reported    int64 // the comment the viewer just reported
	CommentMax  int   // bytes
	Stars       *starTrend
	// Elsewhere counts comments made where the paper was imported from
	// (the hosted feed's discussion): in its comment count, not here.
	Elsewhere int
	// Draft is a comment the viewer posted that was refused, shown again
	// in its form with the reason.
	Draft commentDraft
	// BibTeX is the paper's citation, shown under the Cite button.
	BibTeX string
	// Collections are the public collections that hold the paper.
	Collections []store.Collection
	// MyCollections are the viewer's own, to add the paper to.
	MyCollections []store.Collection
	// Claims are the live claims of the paper's authors, by position: an
	// approved one links the name to its account's profile.
	Claims map[int]store.Claim
	// ClaimOpen is whether the viewer may claim an author of the paper
	// (signed in, no live claim of it yet); Claimed says they just did.
	ClaimOpen, Claimed bool
}

// paperCollectionsShown is how many of the public collections holding a
// paper its page lists.
const paperCollectionsShown = 20

// commentDraft is a refused comment: its text, the reason, and the comment
// it answers (0 for none).
type commentDraft struct {
	Parent int64
	Body   string
	Error  string
}

// starTrend is what the daily star counts of a paper's repository say.
type starTrend struct {
	Gained int    // over the last week of counts
	Since  string // the first day counted
}

// starTrendOf sums up a repository's daily counts: the gain over the last
// seven days counted, and since when it is counted.
func starTrendOf(hist []store.StarCount) *starTrend {
	if len(hist) < 2 {
		return nil
	}
	last := hist[len(hist)-1]
	lastDay, err := time.Parse(time.DateOnly, last.Day)
	if err != nil {
		return nil
	}
	weekAgo := lastDay.AddDate(0, 0, -7).Format(time.DateOnly)
	first := hist[0]
	for _, c := range hist {
		if c.Day >= weekAgo {
			first = c
			break
		}
	}
	return &starTrend{Gained: last.Stars - first.Stars, Since: hist[0].Day}
}

// SimilarCount is how many similar papers a paper page lists.
const SimilarCount = 6

// paperShow serves /papers/{id}. Any spelling of an id (a version suffix,
// an old-style id with a subject class) redirects to the canonical page.
func (s *Server) paperShow(w http.ResponseWriter, r *http.Request) error {
	raw := r.PathValue("id")
	id, _, err := paper.ParseID(raw)
	if err != nil {
		return notFound("“" + raw + "” is not an arXiv identifier. Identifiers look like 2509.02547 or math/0601001.")
	}
	if string(id) != raw {
		http.Redirect(w, r, id.Path(), http.StatusMovedPermanently)
		return nil
	}
	return s.showPaper(w, r, id, http.StatusOK, nil)
}

// showPaper renders the page of paper id with status, after adjust (when
// not nil) has changed the page; a refused comment is shown so.
func (s *Server) showPaper(w http.ResponseWriter, r *http.Request, id paper.ID, status int, adjust func(*paperPage)) error {
	p, err := s.store.Paper(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return &httpError{status: http.StatusNotFound, msg: "Paper " + string(id) + " is not in this catalogue yet.", err: &notFoundPaper{id: id}}
	}
	if err != nil {
		return err
	}
	subs, err := s.store.Submissions(r.Context(), id)
	if err != nil {
		return err
	}
	page := paperPage{layout: s.layout(r, p.Title, ""), Paper: p, Submissions: subs, CommentMax: markdown.MaxBytes}
	page.Image = s.thumbnailURL(id)
	comments, err := s.store.Comments(r.Context(), id)
	if err != nil {
		return err
	}
	page.Comments = s.commentThreads(r.Context(), comments, page.Viewer)
	here := 0
	for i := range comments {
		if comments[i].Visible() {
			here++
		}
	}
	page.Elsewhere = max(0, p.NumComments-here)
	if err := s.markVotes(r, &page.layout, []paper.ID{id}); err != nil {
		return err
	}
	if p.GitHubRepo != "" {
		hist, err := s.store.StarHistory(r.Context(), p.GitHubRepo)
		if err != nil {
			return err
		}
		page.Stars = starTrendOf(hist)
	}
	page.BibTeX = cite.Entry(&p)
	page.Meta = citationMeta(&p)
	if page.Collections, err = s.store.Collections(r.Context(), store.CollectionQuery{Paper: id, Limit: paperCollectionsShown}); err != nil {
		return err
	}
	if page.Viewer != nil {
		if page.MyCollections, err = s.store.Collections(r.Context(), store.CollectionQuery{OwnerID: page.Viewer.ID, Private: true}); err != nil {
			return err
		}
	}
	claims, err := s.store.PaperClaims(r.Context(), []paper.ID{id})
	if err != nil {
		return err
	}
	page.Claims = claimsByPosition(claims[id])
	if v := page.Viewer; v != nil {
		page.ClaimOpen = len(p.Authors) > 0
		for _, c := range claims[id] {
			if c.UserID == v.ID {
				page.ClaimOpen = false
			}
		}
		page.Claimed = r.URL.Query().Get("claimed") == "1"
	}
	page.Reported, _ = strconv.ParseInt(r.URL.Query().Get("reported"), 10, 64)
	if page.Similar, err = s.similar(r.Context(), &p, SimilarCount); err != nil {
		return err
	}
	if s.search != nil && !s.search.Ready() {
		w.Header().Set("Cache-Control", "no-store") // similar papers come once the index is ready
	}
	page.Canonical = id.Path()
	if adjust != nil {
		adjust(&page)
	}
	return s.render(w, status, "paper", &page)
}

// categoryNames are the arXiv categories most papers here carry, spelled out for tooltips.
var categoryNames = map[string]string{
	"cs.AI": "Artificial Intelligence", "cs.CL": "Computation and Language", "cs.CV": "Computer Vision and Pattern Recognition",
	"cs.LG": "Machine Learning", "cs.RO": "Robotics", "cs.IR": "Information Retrieval", "cs.HC": "Human-Computer Interaction",
	"cs.SE": "Software Engineering", "cs.CR": "Cryptography and Security", "cs.NE": "Neural and Evolutionary Computing",
	"cs.MA": "Multiagent Systems", "cs.GR": "Graphics", "cs.SD": "Sound", "eess.AS": "Audio and Speech Processing",
	"eess.IV": "Image and Video Processing", "stat.ML": "Machine Learning (Statistics)", "math.OC": "Optimization and Control",
}

func categoryName(c string) string {
	if n, ok := categoryNames[c]; ok {
		return n
	}
	return strings.ToUpper(c[:min(len(c), 1)]) + c[min(len(c), 1):]
}

// similar finds up to k papers like p through the search index, when
// there is one. Fewer than SimilarCount are the first of SimilarCount,
// which serve keeps ranked for the feed's newest papers.
func (s *Server) similar(ctx context.Context, p *paper.Paper, k int) ([]paper.Paper, error) {
	if s.search == nil || !s.search.Ready() {
		return nil, nil
	}
	hits, err := s.search.Similar(ctx, p, max(k, SimilarCount))
	if err != nil {
		return nil, err
	}
	ids := make([]paper.ID, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	// One read; papers hidden from the feed (or gone) are not listed.
	items, err := s.store.PapersOnFeed(ctx, ids)
	if err != nil {
		return nil, err
	}
	items = items[:min(k, len(items))]
	out := make([]paper.Paper, len(items))
	for i := range items {
		out[i] = items[i].Paper
	}
	return out, nil
}
