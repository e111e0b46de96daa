package cite

import (
	"encoding/json"
	"io"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// CSLMediaType is CSL-JSON's media type, which a client asks for with
// Accept to get a paper's citation from its page's address.
const CSLMediaType = "application/vnd.citationstyles.csl+json"

// CSLItem is one item of CSL-JSON (citeproc's input), typed as a preprint
// with arXiv as its publisher, as Zotero exports arXiv papers.
type CSLItem struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Title     string    `json:"title"`
	Author    []CSLName `json:"author,omitempty"`
	Issued    *CSLDate  `json:"issued,omitempty"`
	Abstract  string    `json:"abstract,omitempty"`
	Publisher string    `json:"publisher"`
	Number    string    `json:"number"`
	DOI       string    `json:"DOI,omitempty"`
	URL       string    `json:"URL"`
	Note      string    `json:"note,omitempty"`
	Keyword   string    `json:"keyword,omitempty"`
	Source    string    `json:"source"`
}

// CSLName is a CSL name.
type CSLName struct {
	Family  string `json:"family,omitempty"`
	Literal string `json:"literal,omitempty"` // "others", after MaxAuthors
	Given   string `json:"given,omitempty"`
	Suffix  string `json:"suffix,omitempty"`
}

// CSLDate is a CSL date as date-parts.
type CSLDate struct {
	DateParts [][]int `json:"date-parts"`
}

// CSL is papers as CSL-JSON items, their ids the citation keys of Keys.
func CSL(ps []paper.Paper) []CSLItem {
	keys := Keys(ps)
	out := make([]CSLItem, len(ps))
	for i := range ps {
		p := &ps[i]
		it := CSLItem{ID: keys[i], Type: "article", Title: title(p), Abstract: p.Abstract, Publisher: "arXiv",
			Number: "arXiv:" + string(p.ID), DOI: p.DOI, URL: p.ID.AbsURL(), Note: p.JournalRef, Keyword: p.PrimaryCategory(), Source: "arXiv.org"}
		ns, more := names(p)
		for _, n := range ns {
			it.Author = append(it.Author, CSLName{Family: n.Family, Given: n.Given, Suffix: n.Suffix})
		}
		if more {
			it.Author = append(it.Author, CSLName{Literal: "others"})
		}
		if !p.Published.IsZero() {
			t := p.Published.UTC()
			it.Issued = &CSLDate{DateParts: [][]int{{t.Year(), int(t.Month()), t.Day()}}}
		}
		out[i] = it
	}
	return out
}

// WriteCSL writes papers as a CSL-JSON array.
func WriteCSL(w io.Writer, ps []paper.Paper) error {
	return json.NewEncoder(w).Encode(CSL(ps))
}
