package paper

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Author is one author of a paper, in the paper's order.
type Author struct {
	Name string `json:"name"`
	// User is the author's username on the site, when the author claimed the paper.
	User string `json:"user,omitempty"`
}

// Version is one arXiv version of a paper.
type Version struct {
	N    int       `json:"v"`
	Date time.Time `json:"date"`
}

// Paper is one paper in the catalogue: one entry however many arXiv
// versions it has.
type Paper struct {
	ID       ID
	Title    string
	Abstract string
	Authors  []Author
	// Categories lists arXiv categories, the primary one first.
	Categories []string
	Versions   []Version
	// Published is when the first version appeared; Updated when the latest did.
	Published time.Time
	Updated   time.Time
	// Listed is the day arXiv first announced the paper, "" when unknown.
	Listed     string
	DOI        string
	JournalRef string
	Comments   string
	Withdrawn  bool

	GitHubRepo  string
	GitHubStars int // meaningful only when GitHubRepo is set
	ProjectPage string

	// AISummary and AIKeywords are a one-sentence summary and key phrases
	// written by a language model, as the hosted Daily Papers feed gives
	// them; AIModel names the model when the source says. Empty when no
	// source had them.
	AISummary  string
	AIKeywords []string
	AIModel    string

	Upvotes     int
	NumComments int

	// AsOf is when the source described the paper as it is here (a feed
	// submission, a metadata update); Merge lets fresher records win.
	AsOf time.Time
}

// PrimaryCategory is the paper's main arXiv category, or "".
func (p *Paper) PrimaryCategory() string {
	if len(p.Categories) == 0 {
		return ""
	}
	return p.Categories[0]
}

// InCategories reports whether any of cats is one of want, or in one of
// want's archives: "cs.CL" is in "cs.CL" and in "cs", in any case, but not
// in "cs.C".
func InCategories(cats, want []string) bool {
	for _, w := range want {
		for _, c := range cats {
			if strings.EqualFold(c, w) || len(c) > len(w) && c[len(w)] == '.' && strings.EqualFold(c[:len(w)], w) {
				return true
			}
		}
	}
	return false
}

// FirstPublished is when version 1 appeared, as far as the paper says:
// Published, else the date of version 1, else the zero time.
func (p *Paper) FirstPublished() time.Time {
	if !p.Published.IsZero() {
		return p.Published
	}
	for _, v := range p.Versions {
		if v.N == 1 {
			return v.Date
		}
	}
	return time.Time{}
}

// LatestVersion is the highest version number known, 0 when none is.
func (p *Paper) LatestVersion() int {
	n := 0
	for _, v := range p.Versions {
		n = max(n, v.N)
	}
	return n
}

// freshness is the date a record describes the paper as of: the latest
// version, else the last update, else the first publication.
func (p *Paper) freshness() time.Time {
	t := p.Updated
	if p.AsOf.After(t) {
		t = p.AsOf
	}
	for _, v := range p.Versions {
		if v.Date.After(t) {
			t = v.Date
		}
	}
	if t.IsZero() {
		t = p.Published
	}
	return t
}

// Merge folds a newly read record of the same paper into what is stored.
// Metadata from a record at least as fresh as the stored one wins field by
// field where the record has a value; an older record only fills gaps, so
// importing an old snapshot after a new one loses nothing and importing
// the same records again changes nothing. Versions are united, and counts
// only grow (an older capture of the hosted feed has lower counts).
func Merge(old, rec Paper) Paper {
	m := old
	newer := !rec.freshness().Before(old.freshness())
	pick := func(dst *string, v string) {
		if v != "" && (newer || *dst == "") {
			*dst = v
		}
	}
	pick(&m.Title, rec.Title)
	pick(&m.Abstract, rec.Abstract)
	pick(&m.Listed, rec.Listed)
	pick(&m.DOI, rec.DOI)
	pick(&m.JournalRef, rec.JournalRef)
	pick(&m.Comments, rec.Comments)
	if len(rec.Authors) > 0 && (newer || len(m.Authors) == 0) {
		m.Authors = mergeAuthors(old.Authors, rec.Authors)
	}
	if len(rec.Categories) > 0 && (newer || len(m.Categories) == 0) {
		m.Categories = rec.Categories
	}
	if !rec.Published.IsZero() && (m.Published.IsZero() || rec.Published.Before(m.Published)) {
		m.Published = rec.Published
	}
	if rec.Updated.After(m.Updated) {
		m.Updated = rec.Updated
	}
	m.Versions = mergeVersions(old.Versions, rec.Versions)
	if newer && rec.Withdrawn {
		m.Withdrawn = true
	}
	if rec.GitHubRepo != "" && (newer || m.GitHubRepo == "") {
		if rec.GitHubRepo != m.GitHubRepo || rec.GitHubStars > m.GitHubStars {
			m.GitHubStars = rec.GitHubStars
		}
		m.GitHubRepo = rec.GitHubRepo
	}
	pick(&m.ProjectPage, rec.ProjectPage)
	// The model goes with its summary: a new summary brings its own (or
	// none), and the same summary from a source that does not name the
	// model (the hosted feed's flat files) keeps or gains the name.
	switch {
	case rec.AISummary == "":
	case rec.AISummary == m.AISummary:
		pick(&m.AIModel, rec.AIModel)
	case newer || m.AISummary == "":
		m.AISummary, m.AIModel = rec.AISummary, rec.AIModel
	}
	if len(rec.AIKeywords) > 0 && (newer || len(m.AIKeywords) == 0) {
		m.AIKeywords = rec.AIKeywords
	}
	if rec.AsOf.After(m.AsOf) {
		m.AsOf = rec.AsOf
	}
	m.Upvotes = max(m.Upvotes, rec.Upvotes)
	m.NumComments = max(m.NumComments, rec.NumComments)
	return m
}

// mergeAuthors takes the new list but keeps usernames the old list knew
// for the same names.
func mergeAuthors(old, rec []Author) []Author {
	users := make(map[string]string, len(old))
	for _, a := range old {
		if a.User != "" {
			users[a.Name] = a.User
		}
	}
	out := slices.Clone(rec)
	for i := range out {
		if out[i].User == "" {
			out[i].User = users[out[i].Name]
		}
	}
	return out
}

func mergeVersions(a, b []Version) []Version {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	byN := make(map[int]time.Time, len(a)+len(b))
	for _, v := range a {
		byN[v.N] = v.Date
	}
	for _, v := range b {
		if d, ok := byN[v.N]; !ok || d.IsZero() {
			byN[v.N] = v.Date
		}
	}
	out := make([]Version, 0, len(byN))
	for n, d := range byN {
		out = append(out, Version{N: n, Date: d})
	}
	slices.SortFunc(out, func(x, y Version) int { return x.N - y.N })
	return out
}

// Equal reports whether two papers hold the same data.
func Equal(a, b Paper) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Abstract == b.Abstract &&
		slices.Equal(a.Authors, b.Authors) && slices.Equal(a.Categories, b.Categories) &&
		slices.EqualFunc(a.Versions, b.Versions, func(x, y Version) bool { return x.N == y.N && x.Date.Equal(y.Date) }) &&
		a.Published.Equal(b.Published) && a.Updated.Equal(b.Updated) && a.Listed == b.Listed &&
		a.DOI == b.DOI && a.JournalRef == b.JournalRef && a.Comments == b.Comments &&
		a.Withdrawn == b.Withdrawn && a.GitHubRepo == b.GitHubRepo && a.GitHubStars == b.GitHubStars &&
		a.ProjectPage == b.ProjectPage && a.Upvotes == b.Upvotes && a.NumComments == b.NumComments &&
		a.AISummary == b.AISummary && slices.Equal(a.AIKeywords, b.AIKeywords) && a.AIModel == b.AIModel &&
		a.AsOf.Equal(b.AsOf)
}

// AuthorNames lists the authors' names in order.
func (p *Paper) AuthorNames() []string {
	names := make([]string, len(p.Authors))
	for i, a := range p.Authors {
		names[i] = a.Name
	}
	return names
}

// withdrawnRE matches the comments arXiv shows on withdrawn papers, such as
// "This paper has been withdrawn by the author" or "Withdrawn: ...", but not
// a comment that merely mentions a withdrawn figure.
var withdrawnRE = regexp.MustCompile(`(?i)^\W*withdrawn\b|\b(paper|article|submission|manuscript|preprint|version|it)\s+(has\s+been|is|was|been)\s+withdrawn\b|\bwithdrawn\s+by\s+(the\s+)?(author|authors|submitter|arxiv|admin)`)

// IsWithdrawn recognises arXiv's withdrawal notices in a paper's comments,
// the one rule for every source (the arXiv API and OAI-PMH, Kaggle's
// snapshot, the shared metadata files).
func IsWithdrawn(comments string) bool {
	return comments != "" && withdrawnRE.MatchString(comments)
}

// CleanText folds the line breaks and runs of spaces that arXiv metadata
// carries (abstracts are wrapped at 80 columns) into single spaces.
func CleanText(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") && !strings.Contains(s, "  ") {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// Excerpt shortens a text (an abstract) to about n bytes, at a word
// boundary when there is one in the second half, never inside a UTF-8
// sequence, and ends it with "…".
func Excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimRight(s[:cut], " ,.;:") + "…"
}
