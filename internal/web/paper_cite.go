package web

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/dailypapers/dailypapers/internal/cite"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// citeFormat is one way to download citations: a file suffix, its media
// type and its writer.
type citeFormat struct {
	ext   string
	ctype string
	write func(*bytes.Buffer, []paper.Paper) error
}

var citeFormats = []citeFormat{
	{".bib", "application/x-bibtex; charset=utf-8", func(b *bytes.Buffer, ps []paper.Paper) error { return cite.BibTeX(b, ps) }},
	{".ris", "application/x-research-info-systems; charset=utf-8", func(b *bytes.Buffer, ps []paper.Paper) error { return cite.RIS(b, ps) }},
	{".json", cite.CSLMediaType + "; charset=utf-8", func(b *bytes.Buffer, ps []paper.Paper) error { return cite.WriteCSL(b, ps) }},
}

// citeSuffix splits a path's last segment into its name and a citation
// format named by its suffix (.bib, .ris, .json), or nil.
func citeSuffix(s string) (string, *citeFormat) {
	for i := range citeFormats {
		if name, ok := strings.CutSuffix(s, citeFormats[i].ext); ok {
			return name, &citeFormats[i]
		}
	}
	return s, nil
}

// wantsCSL reports whether an Accept header asks for CSL-JSON, as
// citation tools ask a paper's address for its data (content negotiation
// of DOIs works so).
func wantsCSL(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		media, _, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(media), cite.CSLMediaType) {
			return true
		}
	}
	return false
}

// sendCitations writes papers in a citation format, as a download named
// name. The export is made whole in memory first, so that an error is a
// clean status rather than half a file.
func sendCitations(w http.ResponseWriter, f *citeFormat, name string, ps []paper.Paper) error {
	var buf bytes.Buffer
	if err := f.write(&buf, ps); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	if f.ext != ".json" {
		h.Set("Content-Disposition", `inline; filename="`+name+f.ext+`"`)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// paperCitation serves /papers/{id}.bib, .ris and .json, and the page's
// address asked for CSL-JSON.
func (s *Server) paperCitation(w http.ResponseWriter, r *http.Request, raw string, f *citeFormat) error {
	id, _, err := paper.ParseID(raw)
	if err != nil {
		return notFound("“" + raw + "” is not an arXiv identifier.")
	}
	p, err := s.store.Paper(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return &httpError{status: http.StatusNotFound, msg: "Paper " + string(id) + " is not in this catalogue yet.", err: &notFoundPaper{id: id}}
	}
	if err != nil {
		return err
	}
	return sendCitations(w, f, strings.ReplaceAll(string(id), "/", "_"), []paper.Paper{p})
}

// citationMeta are the tags Google Scholar's inclusion guidelines name
// and Zotero's connector reads, so that "save to Zotero" from a paper's
// page makes a preprint with its authors, date and PDF.
func citationMeta(p *paper.Paper) []metaTag {
	tags := []metaTag{{"citation_title", p.Title}}
	for _, a := range p.Authors {
		tags = append(tags, metaTag{"citation_author", a.Name})
	}
	if !p.Published.IsZero() {
		tags = append(tags, metaTag{"citation_date", p.Published.UTC().Format("2006/01/02")})
	}
	tags = append(tags, metaTag{"citation_pdf_url", p.ID.PDFURL()}, metaTag{"citation_arxiv_id", string(p.ID)})
	if p.DOI != "" {
		tags = append(tags, metaTag{"citation_doi", p.DOI})
	}
	return tags
}
