package mcp

import (
	"context"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Citations are papers' citations as /papers/{id}.bib, .ris and .json
// give them: cite_paper is offered when the site has them.
type Citations interface {
	// Cite is the paper id cited in format (bibtex, ris or csl-json),
	// and the address that serves the same.
	Cite(ctx context.Context, id, format string) (text, url string, err error)
}

// CiteInput is cite_paper's arguments.
type CiteInput struct {
	ID     string `json:"id" jsonschema:"the paper's arXiv id or link"`
	Format string `json:"format,omitempty" jsonschema:"bibtex (for LaTeX), ris (for reference managers: Zotero, EndNote, Mendeley) or csl-json (for citeproc and Pandoc)"`
}

// CiteOutput is cite_paper's result.
type CiteOutput struct {
	ID       string `json:"id"`
	Format   string `json:"format"`
	Citation string `json:"citation" jsonschema:"the citation, as the file of its format holds it"`
	URL      string `json:"url" jsonschema:"where the site serves the same file"`
}

// citeFormats are cite_paper's formats; the first is the default.
var citeFormats = []string{"bibtex", "ris", "csl-json"}

func init() {
	register(func(s *Server) {
		ct, ok := s.site.(Citations)
		if !ok {
			return
		}
		addTool(s, &sdk.Tool{Name: "cite_paper", Title: "Cite a paper",
			Description: "A paper's citation as BibTeX (arXiv's own @misc form), RIS or CSL-JSON, to put in a bibliography " +
				"or a reference manager.",
			Annotations: readOnly("Cite a paper")},
			func(in *inputSchema) { in.oneOf("format", citeFormats...) },
			func(ctx context.Context, c Caller, in CiteInput) (CiteOutput, string, error) {
				format := in.Format
				if format == "" {
					format = citeFormats[0]
				}
				text, url, err := ct.Cite(ctx, in.ID, format)
				if err != nil {
					return CiteOutput{}, "", err
				}
				return CiteOutput{ID: canonical(in.ID), Format: format, Citation: text, URL: url}, text, nil
			})
	})
}
