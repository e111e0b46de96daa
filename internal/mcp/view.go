package mcp

import (
	"fmt"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Paper is a paper as the tools list it: enough to choose what to read.
type Paper struct {
	ID          string   `json:"id" jsonschema:"the arXiv id, such as 2509.02547"`
	Title       string   `json:"title"`
	Authors     []string `json:"authors" jsonschema:"the first authors, in the paper's order (author_count says how many there are)"`
	AuthorCount int      `json:"author_count"`
	Published   string   `json:"published,omitempty" jsonschema:"when version 1 appeared on arXiv, YYYY-MM-DD"`
	Abstract    string   `json:"abstract"`
	Upvotes     int      `json:"upvotes"`
	Comments    int      `json:"comments"`
	GitHub      string   `json:"github,omitempty" jsonschema:"the code's repository"`
	GitHubStars int      `json:"github_stars,omitempty"`
	ProjectPage string   `json:"project_page,omitempty"`
	AISummary   string   `json:"ai_summary,omitempty" jsonschema:"a one-sentence summary written by a language model, when the feed has one"`
	FeedDay     string   `json:"feed_day,omitempty" jsonschema:"the day the paper went on the feed, YYYY-MM-DD"`
	SubmittedBy string   `json:"submitted_by,omitempty" jsonschema:"who put it on the feed"`
	URL         string   `json:"url" jsonschema:"the paper's page on this site"`
}

// listedAuthors is how many authors a listed paper names; collaborations
// list thousands.
const listedAuthors = 10

// paperOf is p as the tools list it; it (when not nil) is its feed entry.
func (s *Server) paperOf(p *paper.Paper, it *store.FeedItem) Paper {
	out := Paper{ID: string(p.ID), Title: p.Title, AuthorCount: len(p.Authors), Abstract: p.Abstract,
		Upvotes: p.Upvotes, Comments: p.NumComments, GitHub: p.GitHubRepo, ProjectPage: p.ProjectPage,
		AISummary: p.AISummary, URL: s.site.BaseURL() + p.ID.Path(), Authors: []string{}}
	if p.GitHubRepo != "" {
		out.GitHubStars = p.GitHubStars
	}
	for _, a := range p.Authors[:min(len(p.Authors), listedAuthors)] {
		out.Authors = append(out.Authors, a.Name)
	}
	if t := p.FirstPublished(); !t.IsZero() {
		out.Published = t.UTC().Format(time.DateOnly)
	}
	if it != nil {
		out.FeedDay = it.Day
		if u := it.Submitter; u != nil {
			out.SubmittedBy = submitterName(u)
		}
	}
	return out
}

func (s *Server) feedPapers(items []store.FeedItem) []Paper {
	out := make([]Paper, len(items))
	for i := range items {
		out[i] = s.paperOf(&items[i].Paper, &items[i])
	}
	return out
}

// submitterName is how a submitter is named: the username, else the name an
// imported feed gave.
func submitterName(u *store.User) string {
	if u.Username != "" {
		return u.Username
	}
	return u.Fullname
}

// textList writes papers for people and models to read: a list numbered
// from skipped+1, each with its id, counts, authors, link and a summary.
func textList(b *strings.Builder, ps []Paper, skipped int) {
	for i, p := range ps {
		fmt.Fprintf(b, "%d. %s\n   %s", skipped+i+1, oneLine(p.Title), p.ID)
		if p.Published != "" {
			fmt.Fprintf(b, " · published %s", p.Published)
		}
		fmt.Fprintf(b, " · %d upvotes · %d comments", p.Upvotes, p.Comments)
		if p.FeedDay != "" {
			fmt.Fprintf(b, " · on the feed of %s", p.FeedDay)
		}
		b.WriteString("\n")
		if len(p.Authors) > 0 {
			fmt.Fprintf(b, "   %s\n", authorLine(p.Authors, p.AuthorCount))
		}
		if p.GitHub != "" {
			fmt.Fprintf(b, "   Code: %s\n", p.GitHub)
		}
		fmt.Fprintf(b, "   %s\n", p.URL)
		if sum := p.AISummary; sum != "" {
			fmt.Fprintf(b, "   %s\n", oneLine(sum))
		} else if p.Abstract != "" {
			fmt.Fprintf(b, "   %s\n", paper.Excerpt(oneLine(p.Abstract), 300))
		}
	}
}

func authorLine(names []string, count int) string {
	line := strings.Join(names, ", ")
	if count > len(names) {
		line += fmt.Sprintf(" et al. (%d authors)", count)
	}
	return line
}

// oneLine folds line breaks and runs of spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
