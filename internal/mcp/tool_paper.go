package mcp

import (
	"context"
	"fmt"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// PaperInput names one paper.
type PaperInput struct {
	ID string `json:"id" jsonschema:"the paper's arXiv id (2509.02547, math/0601001) or arXiv link"`
}

// PaperDetail is get_paper's result: everything the site knows of a paper.
type PaperDetail struct {
	Paper
	AllAuthors []string  `json:"all_authors" jsonschema:"every author, in order"`
	Categories []string  `json:"categories" jsonschema:"arXiv categories, the primary one first"`
	Versions   []Version `json:"versions" jsonschema:"arXiv versions, with the day each appeared"`
	AIKeywords []string  `json:"ai_keywords,omitempty"`
	DOI        string    `json:"doi,omitempty"`
	JournalRef string    `json:"journal_ref,omitempty"`
	ArXivNote  string    `json:"arxiv_comments,omitempty" jsonschema:"the authors' comments on arXiv (pages, venue)"`
	Withdrawn  bool      `json:"withdrawn,omitempty"`
	Links      Links     `json:"links"`
	Feed       []OnFeed  `json:"feed" jsonschema:"the days the paper was on the feed, and who submitted it"`
}

// Version is one arXiv version.
type Version struct {
	Version int    `json:"version"`
	Date    string `json:"date" jsonschema:"YYYY-MM-DD"`
}

// Links are where to read a paper.
type Links struct {
	ArXiv    string `json:"arxiv"`
	PDF      string `json:"pdf"`
	Page     string `json:"page" jsonschema:"its page on this site, with comments"`
	Markdown string `json:"markdown" jsonschema:"the paper as Markdown, as read_paper gives it"`
	Resource string `json:"resource" jsonschema:"the MCP resource of the paper"`
}

// OnFeed is one feed entry of a paper.
type OnFeed struct {
	Day         string `json:"day"`
	SubmittedBy string `json:"submitted_by,omitempty"`
}

func init() {
	register(func(s *Server) {
		addTool(s, &sdk.Tool{Name: "get_paper", Title: "Get a paper",
			Description: "Everything the site knows of one paper by its arXiv id: title, all authors, abstract, " +
				"categories, versions, links (arXiv, PDF, code, project page), GitHub stars, upvotes, comments, " +
				"the AI summary and keywords when present, and its days on the feed.",
			Annotations: readOnly("Get a paper")}, nil, s.getPaper)
	})
}

func (s *Server) getPaper(ctx context.Context, c Caller, in PaperInput) (PaperDetail, string, error) {
	var out PaperDetail
	p, subs, err := s.site.Paper(ctx, in.ID)
	if err != nil {
		return out, "", err
	}
	var first *OnFeed
	out = PaperDetail{Paper: s.paperOf(&p, nil), AllAuthors: []string{}, Categories: p.Categories, Versions: []Version{},
		AIKeywords: p.AIKeywords, DOI: p.DOI, JournalRef: p.JournalRef, ArXivNote: p.Comments, Withdrawn: p.Withdrawn,
		Feed: []OnFeed{}}
	if out.Categories == nil {
		out.Categories = []string{}
	}
	for _, a := range p.Authors {
		out.AllAuthors = append(out.AllAuthors, a.Name)
	}
	for _, v := range p.Versions {
		out.Versions = append(out.Versions, Version{Version: v.N, Date: v.Date.UTC().Format(time.DateOnly)})
	}
	for i := range subs {
		f := OnFeed{Day: subs[i].Day}
		if u := subs[i].Submitter; u != nil {
			f.SubmittedBy = submitterName(u)
		}
		out.Feed = append(out.Feed, f)
		if first == nil {
			first = &out.Feed[0]
			out.FeedDay, out.SubmittedBy = f.Day, f.SubmittedBy
		}
	}
	page := s.site.BaseURL() + p.ID.Path()
	out.Links = Links{ArXiv: p.ID.AbsURL(), PDF: p.ID.PDFURL(), Page: page, Markdown: page + ".md", Resource: resourceURI(string(p.ID))}

	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s", oneLine(p.Title), p.ID)
	if out.Published != "" {
		fmt.Fprintf(&b, " · published %s", out.Published)
	}
	if len(out.Versions) > 0 {
		fmt.Fprintf(&b, " · v%d", p.LatestVersion())
	}
	if len(p.Categories) > 0 {
		fmt.Fprintf(&b, " · %s", strings.Join(p.Categories, ", "))
	}
	fmt.Fprintf(&b, "\n%d upvotes · %d comments", out.Upvotes, out.Comments)
	if first != nil {
		fmt.Fprintf(&b, " · on the feed of %s", first.Day)
		if first.SubmittedBy != "" {
			fmt.Fprintf(&b, ", submitted by %s", first.SubmittedBy)
		}
	}
	if p.Withdrawn {
		b.WriteString(" · withdrawn by its authors")
	}
	fmt.Fprintf(&b, "\nAuthors: %s\n", strings.Join(out.AllAuthors, ", "))
	fmt.Fprintf(&b, "arXiv: %s\nPDF: %s\nPage: %s\n", out.Links.ArXiv, out.Links.PDF, out.Links.Page)
	if p.GitHubRepo != "" {
		fmt.Fprintf(&b, "Code: %s (%d stars)\n", p.GitHubRepo, p.GitHubStars)
	}
	if p.ProjectPage != "" {
		fmt.Fprintf(&b, "Project page: %s\n", p.ProjectPage)
	}
	if p.AISummary != "" {
		fmt.Fprintf(&b, "\nAI summary: %s\n", oneLine(p.AISummary))
	}
	if len(p.AIKeywords) > 0 {
		fmt.Fprintf(&b, "Keywords: %s\n", strings.Join(p.AIKeywords, ", "))
	}
	if p.Abstract != "" {
		fmt.Fprintf(&b, "\nAbstract: %s\n", oneLine(p.Abstract))
	}
	return out, b.String(), nil
}
