package ingest

import (
	"github.com/dailypapers/dailypapers/internal/github"
	"github.com/dailypapers/dailypapers/internal/paper"
)

// LinkRepo links the GitHub repository that a paper's abstract or arXiv
// comments name, when the paper has none: authors often write "code at
// https://github.com/owner/name", and such papers then count as having
// code, and get their stars tracked.
func LinkRepo(p *paper.Paper) {
	if p.GitHubRepo != "" {
		return
	}
	if repo, ok := github.FindRepo(p.Comments, p.Abstract); ok {
		// FindRepo reads names by GitHub's rules; the link still passes
		// the one rule of every way in.
		if link, err := paper.GitHubRepoURL(repo); err == nil {
			p.GitHubRepo = link
		}
	}
}
