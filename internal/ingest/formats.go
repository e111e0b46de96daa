package ingest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Format names a kind of input file.
type Format string

// The formats the importer reads.
const (
	// FormatHFAPI is the hosted API's daily-papers JSON: an array of
	// {paper, submittedBy, numComments, ...} items (or one item per line).
	FormatHFAPI Format = "hf-api"
	// FormatHFJSONL is the hosted feed flattened to one row per (feed day, paper).
	FormatHFJSONL Format = "hf-jsonl"
	// FormatArxivJSONL is arXiv metadata with an arxiv_id field, one paper per line.
	FormatArxivJSONL Format = "arxiv-jsonl"
	// FormatKaggle is the arxiv-metadata-oai-snapshot.json of Kaggle's arXiv dataset.
	FormatKaggle Format = "kaggle"
)

// Formats lists every format, for help texts and validation.
var Formats = []Format{FormatHFAPI, FormatHFJSONL, FormatArxivJSONL, FormatKaggle}

// ParseFormat validates a --format value; "" and "auto" mean detect.
func ParseFormat(s string) (Format, error) {
	if s == "" || s == "auto" {
		return "", nil
	}
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want auto, %s, %s, %s or %s)", s, Formats[0], Formats[1], Formats[2], Formats[3])
}

// detectFormat tells the format from the field names of a first record.
func detectFormat(first []byte) (Format, error) {
	var keys map[string]jsontext.Value
	if err := unmarshal(first, &keys); err != nil {
		return "", fmt.Errorf("first record is not a JSON object: %w", err)
	}
	has := func(k string) bool { _, ok := keys[k]; return ok }
	switch {
	case has("paper"):
		return FormatHFAPI, nil
	case has("feed_date"):
		return FormatHFJSONL, nil
	case has("arxiv_id"):
		return FormatArxivJSONL, nil
	case has("id") && (has("authors_parsed") || has("versions") || has("update_date")):
		return FormatKaggle, nil
	}
	return "", errors.New("unrecognised records: expected the hosted daily-papers JSON, its JSONL, arXiv metadata JSONL or the Kaggle arXiv snapshot (use --format to force one)")
}

// decodeRecord turns one JSON record of format f into a store record.
func decodeRecord(f Format, data []byte) (store.Record, error) {
	switch f {
	case FormatHFAPI:
		return decodeHFAPI(data)
	case FormatHFJSONL:
		return decodeHFJSONL(data)
	case FormatArxivJSONL:
		return decodeArxivJSONL(data)
	case FormatKaggle:
		return decodeKaggle(data)
	}
	return store.Record{}, fmt.Errorf("unknown format %q", f)
}

// hfRow is one line of hf-daily-papers.jsonl.
type hfRow struct {
	FeedDate          string   `json:"feed_date"`
	ArxivID           string   `json:"arxiv_id"`
	Title             string   `json:"title"`
	Abstract          string   `json:"abstract"`
	Authors           []string `json:"authors"`
	PublishedAt       string   `json:"published_at"`
	SubmittedOnDaily  string   `json:"submitted_on_daily_at"`
	Upvotes           int      `json:"upvotes"`
	NumComments       int      `json:"num_comments"`
	SubmittedBy       string   `json:"submitted_by"`
	SubmittedFullname string   `json:"submitted_by_fullname"`
	GitHubRepo        string   `json:"github_repo"`
	GitHubStars       int      `json:"github_stars"`
	ProjectPage       string   `json:"project_page"`
	AISummary         string   `json:"ai_summary"`
	AIKeywords        []string `json:"ai_keywords"`
}

func decodeHFJSONL(data []byte) (store.Record, error) {
	var r hfRow
	if err := unmarshal(data, &r); err != nil {
		return store.Record{}, jsonError(err)
	}
	p, err := basePaper(r.ArxivID, r.Title, r.Abstract)
	if err != nil {
		return store.Record{}, err
	}
	for _, name := range r.Authors {
		p.Authors = appendAuthor(p.Authors, name, "")
	}
	if p.Published, err = parseTime("published_at", r.PublishedAt); err != nil {
		return store.Record{}, err
	}
	p.Upvotes, p.NumComments = max(r.Upvotes, 0), max(r.NumComments, 0)
	p.GitHubStars = max(r.GitHubStars, 0)
	dropped := setLinks(&p, "github_repo", r.GitHubRepo, "project_page", r.ProjectPage)
	p.AISummary, p.AIKeywords = paper.CleanText(r.AISummary), cleanKeywords(r.AIKeywords)
	sub, err := submission(r.FeedDate, r.SubmittedOnDaily, r.SubmittedBy, r.SubmittedFullname)
	if err != nil {
		return store.Record{}, err
	}
	p.AsOf = sub.SubmittedAt
	return store.Record{Paper: p, Submission: sub}, dropped.err()
}

// hfItem is one item of the hosted API's GET /api/daily_papers.
type hfItem struct {
	Paper struct {
		ID      string `json:"id"`
		Authors []struct {
			Name   string `json:"name"`
			Hidden bool   `json:"hidden"`
			User   *struct {
				User string `json:"user"`
			} `json:"user"`
		} `json:"authors"`
		PublishedAt        string   `json:"publishedAt"`
		SubmittedOnDailyAt string   `json:"submittedOnDailyAt"`
		Title              string   `json:"title"`
		Summary            string   `json:"summary"`
		Upvotes            int      `json:"upvotes"`
		GitHubRepo         string   `json:"githubRepo"`
		GitHubStars        int      `json:"githubStars"`
		ProjectPage        string   `json:"projectPage"`
		AISummary          string   `json:"ai_summary"`
		AIKeywords         []string `json:"ai_keywords"`
		AISummaryModel     string   `json:"ai_summary_model"`
		SubmittedOnDailyBy *struct {
			User     string `json:"user"`
			Fullname string `json:"fullname"`
		} `json:"submittedOnDailyBy"`
	} `json:"paper"`
	NumComments int `json:"numComments"`
	SubmittedBy *struct {
		Name     string `json:"name"`
		Fullname string `json:"fullname"`
	} `json:"submittedBy"`
}

func decodeHFAPI(data []byte) (store.Record, error) {
	var it hfItem
	if err := unmarshal(data, &it); err != nil {
		return store.Record{}, jsonError(err)
	}
	hp := &it.Paper
	p, err := basePaper(hp.ID, hp.Title, hp.Summary)
	if err != nil {
		return store.Record{}, err
	}
	for _, a := range hp.Authors {
		user := ""
		if a.User != nil {
			user = a.User.User
		}
		p.Authors = appendAuthor(p.Authors, a.Name, user)
	}
	if p.Published, err = parseTime("publishedAt", hp.PublishedAt); err != nil {
		return store.Record{}, err
	}
	p.Upvotes, p.NumComments = max(hp.Upvotes, 0), max(it.NumComments, 0)
	p.GitHubStars = max(hp.GitHubStars, 0)
	dropped := setLinks(&p, "githubRepo", hp.GitHubRepo, "projectPage", hp.ProjectPage)
	p.AISummary, p.AIKeywords = paper.CleanText(hp.AISummary), cleanKeywords(hp.AIKeywords)
	if p.AISummary != "" {
		p.AIModel = paper.CleanText(hp.AISummaryModel)
	}
	var username, fullname string
	switch {
	case it.SubmittedBy != nil:
		username, fullname = it.SubmittedBy.Name, it.SubmittedBy.Fullname
	case hp.SubmittedOnDailyBy != nil:
		username, fullname = hp.SubmittedOnDailyBy.User, hp.SubmittedOnDailyBy.Fullname
	}
	// The API has no feed-day field: an item is on the feed of the (UTC) day it was submitted.
	day := ""
	if len(hp.SubmittedOnDailyAt) >= 10 {
		day = hp.SubmittedOnDailyAt[:10]
	}
	sub, err := submission(day, hp.SubmittedOnDailyAt, username, fullname)
	if err != nil {
		return store.Record{}, err
	}
	p.AsOf = sub.SubmittedAt
	return store.Record{Paper: p, Submission: sub}, dropped.err()
}

// arxivRow is one line of the shared arXiv metadata files (daily listings and archive).
type arxivRow struct {
	ArxivID         string   `json:"arxiv_id"`
	Title           string   `json:"title"`
	Abstract        string   `json:"abstract"`
	Authors         []string `json:"authors"`
	Categories      []string `json:"categories"`
	PrimaryCategory string   `json:"primary_category"`
	Comment         string   `json:"comment"`
	Comments        string   `json:"comments"`
	ListingDate     string   `json:"listing_date"`
	Created         string   `json:"created"`
	Updated         string   `json:"updated"`
	DOI             string   `json:"doi"`
}

func decodeArxivJSONL(data []byte) (store.Record, error) {
	var r arxivRow
	if err := unmarshal(data, &r); err != nil {
		return store.Record{}, jsonError(err)
	}
	p, err := basePaper(r.ArxivID, r.Title, r.Abstract)
	if err != nil {
		return store.Record{}, err
	}
	for _, name := range r.Authors {
		p.Authors = appendAuthor(p.Authors, name, "")
	}
	p.Categories = primaryFirst(r.PrimaryCategory, r.Categories)
	p.Comments = paper.CleanText(r.Comments + r.Comment)
	p.DOI = strings.TrimSpace(r.DOI)
	if r.ListingDate != "" {
		if _, err := time.Parse(time.DateOnly, r.ListingDate); err != nil {
			return store.Record{}, fmt.Errorf("listing_date %q is not a date", r.ListingDate)
		}
		p.Listed = r.ListingDate
	}
	if p.Published, err = parseTime("created", r.Created); err != nil {
		return store.Record{}, err
	}
	if p.Updated, err = parseTime("updated", r.Updated); err != nil {
		return store.Record{}, err
	}
	p.Withdrawn = paper.IsWithdrawn(p.Comments)
	LinkRepo(&p)
	return store.Record{Paper: p}, nil
}

// kaggleRow is one line of Kaggle's arxiv-metadata-oai-snapshot.json.
type kaggleRow struct {
	ID         string `json:"id"`
	Authors    string `json:"authors"`
	Title      string `json:"title"`
	Comments   string `json:"comments"`
	JournalRef string `json:"journal-ref"`
	DOI        string `json:"doi"`
	Categories string `json:"categories"`
	Abstract   string `json:"abstract"`
	Versions   []struct {
		Version string `json:"version"`
		Created string `json:"created"`
	} `json:"versions"`
	UpdateDate    string     `json:"update_date"`
	AuthorsParsed [][]string `json:"authors_parsed"`
}

func decodeKaggle(data []byte) (store.Record, error) {
	var r kaggleRow
	if err := unmarshal(data, &r); err != nil {
		return store.Record{}, jsonError(err)
	}
	p, err := basePaper(r.ID, paper.DeLaTeX(r.Title), r.Abstract)
	if err != nil {
		return store.Record{}, err
	}
	if len(r.AuthorsParsed) > 0 {
		for _, parts := range r.AuthorsParsed {
			p.Authors = appendAuthor(p.Authors, parsedName(parts), "")
		}
	} else {
		for _, name := range splitAuthors(r.Authors) {
			p.Authors = appendAuthor(p.Authors, name, "")
		}
	}
	p.Categories = strings.Fields(r.Categories)
	p.Comments = paper.CleanText(r.Comments)
	p.JournalRef = paper.CleanText(r.JournalRef)
	p.DOI = strings.TrimSpace(r.DOI)
	for _, v := range r.Versions {
		var n int
		if _, err := fmt.Sscanf(v.Version, "v%d", &n); err != nil || n < 1 {
			return store.Record{}, fmt.Errorf("version %q is not vN", v.Version)
		}
		// arXiv writes one-digit days without a zero ("Mon, 2 Apr 2007 ..."), which time.RFC1123 rejects.
		date, err := time.Parse(kaggleDate, v.Created)
		if err != nil {
			return store.Record{}, fmt.Errorf("version %s date %q: want RFC 1123", v.Version, v.Created)
		}
		p.Versions = append(p.Versions, paper.Version{N: n, Date: date.UTC()})
	}
	for _, v := range p.Versions {
		if v.N == 1 || p.Published.IsZero() || v.Date.Before(p.Published) {
			p.Published = v.Date
		}
		if v.Date.After(p.Updated) {
			p.Updated = v.Date
		}
	}
	if p.AsOf, err = parseTime("update_date", r.UpdateDate); err != nil {
		return store.Record{}, err
	}
	p.Withdrawn = paper.IsWithdrawn(p.Comments)
	LinkRepo(&p)
	return store.Record{Paper: p}, nil
}

// kaggleDate is RFC 1123 with the day of the month in one or two digits.
const kaggleDate = "Mon, 2 Jan 2006 15:04:05 MST"

// basePaper checks what every record must have: a valid arXiv id and a title.
func basePaper(rawID, title, abstract string) (paper.Paper, error) {
	if strings.TrimSpace(rawID) == "" {
		return paper.Paper{}, errors.New("missing arXiv id")
	}
	id, _, err := paper.ParseID(rawID)
	if err != nil {
		return paper.Paper{}, err
	}
	title = paper.CleanText(title)
	if title == "" {
		return paper.Paper{}, fmt.Errorf("paper %s has no title", id)
	}
	return paper.Paper{ID: id, Title: title, Abstract: paper.CleanText(abstract)}, nil
}

func appendAuthor(list []paper.Author, name, user string) []paper.Author {
	name = paper.CleanText(paper.DeLaTeX(name))
	if name == "" {
		return list
	}
	return append(list, paper.Author{Name: name, User: user})
}

// parsedName joins Kaggle's [last, first, suffix] into "First Last Suffix".
func parsedName(parts []string) string {
	var b []string
	if len(parts) > 1 && strings.TrimSpace(parts[1]) != "" {
		b = append(b, parts[1])
	}
	if len(parts) > 0 {
		b = append(b, parts[0])
	}
	if len(parts) > 2 && strings.TrimSpace(parts[2]) != "" {
		b = append(b, parts[2])
	}
	return strings.Join(b, " ")
}

// splitAuthors splits arXiv's free-text author list on commas and "and".
func splitAuthors(s string) []string {
	s = strings.ReplaceAll(paper.CleanText(s), " and ", ", ")
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func primaryFirst(primary string, cats []string) []string {
	out := make([]string, 0, len(cats)+1)
	if isCategory(primary) {
		out = append(out, primary)
	}
	for _, c := range cats {
		if c != primary && isCategory(c) {
			out = append(out, c)
		}
	}
	return out
}

// isCategory tells arXiv categories ("cs.CV", "hep-th", "cond-mat.mes-hall")
// from the MSC and ACM classes that some listings put in the same list
// ("94A29, 94A08", "I.4.2; E.4"); the store keeps categories space-separated.
func isCategory(c string) bool {
	if c == "" || c[0] < 'a' || c[0] > 'z' {
		return false
	}
	dot := false
	for i := 1; i < len(c); i++ {
		switch ch := c[i]; {
		case ch >= 'a' && ch <= 'z', ch == '-', dot && ch >= 'A' && ch <= 'Z':
		case ch == '.' && !dot && i+1 < len(c):
			dot = true
		default:
			return false
		}
	}
	return true
}

func submission(day, at, username, fullname string) (*store.Submission, error) {
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return nil, fmt.Errorf("feed day %q is not a date", day)
	}
	t, err := parseTime("submitted_on_daily_at", at)
	if err != nil {
		return nil, err
	}
	if t.IsZero() {
		t, _ = time.Parse(time.DateOnly, day)
	}
	sub := &store.Submission{Day: day, SubmittedAt: t}
	sub.Submitter, sub.Fullname = submitterNames(username, fullname)
	return sub, nil
}

// submitterNames keeps a feed's submitter as the store does (see
// store.Submission): the username only when it keeps the rules of local
// usernames, so that no text an import brings becomes a name in URLs; a
// name that breaks them is kept as the text to show when there is no full
// name. Either is cut to what a page has room for.
func submitterNames(username, fullname string) (string, string) {
	username, fullname = strings.TrimSpace(username), clipName(paper.CleanText(fullname))
	if auth.CheckUsername(username) == nil {
		return username, fullname
	}
	if fullname == "" {
		fullname = clipName(paper.CleanText(username))
	}
	return "", fullname
}

// clipName cuts a name to 100 characters.
func clipName(s string) string {
	if r := []rune(s); len(r) > 100 {
		return string(r[:100])
	}
	return s
}

// parseTime reads RFC 3339 timestamps and plain dates; "" is the zero time.
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q is not a date", field, s)
}

// cleanKeywords keeps a source's key phrases in order, each on one line,
// without empty ones or repeats, and at most maxKeywords of them.
func cleanKeywords(in []string) []string {
	const maxKeywords = 50
	var out []string
	for _, k := range in {
		k = paper.CleanText(k)
		if k != "" && !slices.Contains(out, k) && len(out) < maxKeywords {
			out = append(out, k)
		}
	}
	return out
}

// FieldsDropped is the error of a record that was kept without the
// fields that broke a rule (a link that is not one): the import stores
// the rest of it and reports what it left out, with the file and line.
type FieldsDropped struct {
	Errs []error
}

func (e *FieldsDropped) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

// err is e as an error, nil when nothing was dropped.
func (e *FieldsDropped) err() error {
	if e == nil || len(e.Errs) == 0 {
		return nil
	}
	return e
}

// setLinks sets a paper's repository and project page from a record by
// the rules every way in keeps (paper.GitHubRepoURL, paper.WebPageURL),
// leaving out, and returning, the ones that break them.
func setLinks(p *paper.Paper, repoField, repo, pageField, page string) *FieldsDropped {
	var dropped FieldsDropped
	var err error
	if p.GitHubRepo, err = paper.GitHubRepoURL(repo); err != nil {
		dropped.Errs = append(dropped.Errs, fmt.Errorf("%s %q left out: not a GitHub repository", repoField, clip(repo)))
		p.GitHubStars = 0
	}
	if p.ProjectPage, err = paper.WebPageURL(page); err != nil {
		dropped.Errs = append(dropped.Errs, fmt.Errorf("%s %q left out: not an http(s) address without user name or password", pageField, clip(page)))
	}
	return &dropped
}

// clip shortens a value quoted in a warning.
func clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	return strings.ToValidUTF8(s[:80], "") + "…"
}

// unmarshal decodes one record. It uses the JSON v2 decoder, which reads
// arXiv records about a fifth faster than encoding/json (BENCHMARKS.md),
// set to be as lenient as encoding/json about names and UTF-8.
func unmarshal(data []byte, v any) error {
	return json.Unmarshal(data, v, json.MatchCaseInsensitiveNames(true), jsontext.AllowInvalidUTF8(true),
		jsontext.AllowDuplicateNames(true))
}

// jsonError shortens encoding/json's messages to what a person can act on.
func jsonError(err error) error {
	var se *json.SemanticError
	if errors.As(err, &se) && se.GoType != nil {
		field := "the record"
		if se.JSONPointer != "" {
			field = "field " + string(se.JSONPointer)
		}
		got := se.JSONKind.String() // "string", "number", "true", "{"...
		switch se.JSONKind {
		case '{':
			got = "an object"
		case '[':
			got = "an array"
		case '0':
			if len(se.JSONValue) > 0 {
				got = string(se.JSONValue) // 1.5 where a whole number is wanted
			}
		}
		return fmt.Errorf("%s should be %s, not %s", field, goTypeName(se.GoType.String()), got)
	}
	return fmt.Errorf("bad JSON: %w", err)
}

// goTypeName names a Go type as a JSON type for messages.
func goTypeName(t string) string {
	switch {
	case t == "string":
		return "a string"
	case t == "int":
		return "a whole number"
	case t == "float64":
		return "a number"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case t == "bool":
		return "true or false"
	}
	return "an object"
}
