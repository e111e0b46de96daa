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
		p.GitHubRepo = "https://github.com/" + repo
	}
}
