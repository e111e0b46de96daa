package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// paperOrMarkdown serves /papers/{id}: the page, or the paper as Markdown
// for /papers/{id}.md and for clients that ask for text/markdown, or its
// citation for /papers/{id}.bib, .ris and .json and for clients that ask
// for CSL-JSON (paper_cite.go).
func (s *Server) paperOrMarkdown(page handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Add("Vary", "Accept")
		raw := r.PathValue("id")
		if strings.HasSuffix(raw, ".md") {
			return s.paperMarkdown(w, r, strings.TrimSuffix(raw, ".md"))
		}
		if id, f := citeSuffix(raw); f != nil {
			return s.paperCitation(w, r, id, f)
		}
		if wantsCSL(r.Header.Get("Accept")) {
			return s.paperCitation(w, r, raw, &citeFormats[2])
		}
		if prefersMarkdown(r.Header.Get("Accept")) {
			return s.paperMarkdown(w, r, raw)
		}
		return page(w, r)
	}
}

// prefersMarkdown reports whether an Accept header names text/markdown
// with a quality above zero.
func prefersMarkdown(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		media, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(media), "text/markdown") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && k == "q" {
				q, err := strconv.ParseFloat(v, 64)
				return err == nil && q > 0
			}
		}
		return true
	}
	return false
}

// mdEscaper escapes what Markdown would read as formatting in a title or
// a name; abstracts go in as they are, in a block of their own.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "#", `\#`)

func (s *Server) paperMarkdown(w http.ResponseWriter, r *http.Request, raw string) error {
	md, err := s.paperMarkdownText(r.Context(), raw)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	_, _ = w.Write([]byte(md))
	return nil
}

// paperMarkdownText is the paper of the id raw as Markdown, for
// /papers/{id}.md and the MCP tools: a 404 when raw is no arXiv id or
// the catalogue does not have it.
func (s *Server) paperMarkdownText(ctx context.Context, raw string) (string, error) {
	id, _, err := paper.ParseID(raw)
	if err != nil {
		return "", notFound("“" + raw + "” is not an arXiv identifier.")
	}
	p, err := s.store.Paper(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", notFound("Paper " + string(id) + " is not in this catalogue yet.")
	}
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdEscaper.Replace(oneLine(p.Title)))
	if len(p.Authors) > 0 {
		names := make([]string, len(p.Authors))
		for i, a := range p.Authors {
			names[i] = mdEscaper.Replace(oneLine(a.Name))
		}
		fmt.Fprintf(&b, "**Authors:** %s\n\n", strings.Join(names, ", "))
	}
	if first := firstPublished(&p); !first.IsZero() {
		fmt.Fprintf(&b, "**Published:** %s\n\n", first.UTC().Format("2006-01-02"))
	}
	fmt.Fprintf(&b, "- arXiv: <%s>\n- PDF: <%s>\n- Page: <%s%s>\n", id.AbsURL(), id.PDFURL(), s.baseURL, id.Path())
	if p.GitHubRepo != "" {
		fmt.Fprintf(&b, "- Code: <%s>\n", mdAutolink(p.GitHubRepo))
	}
	if p.ProjectPage != "" {
		fmt.Fprintf(&b, "- Project page: <%s>\n", mdAutolink(p.ProjectPage))
	}
	fmt.Fprintf(&b, "- Upvotes: %d\n", p.Upvotes)
	if p.Abstract != "" {
		fmt.Fprintf(&b, "\n## Abstract\n\n%s\n", mdEscaper.Replace(p.Abstract))
	}
	return b.String(), nil
}

// mdAutolink makes a stored link safe inside a Markdown autolink
// (<...>), which ends at the first > and holds no spaces or line breaks:
// every byte outside the characters a URL is written with is
// percent-encoded, so a link stored before the links' rule (or one that
// slipped past it) can neither end the autolink nor add markup after it.
func mdAutolink(u string) string {
	const safe = "-._~:/?#[]@!$&'()*+,;=%"
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// oneLine folds line breaks, which would end a heading or a list item.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
