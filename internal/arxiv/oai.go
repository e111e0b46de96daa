package arxiv

// This file harvests arXiv metadata over OAI-PMH 2.0
// (https://www.openarchives.org/OAI/openarchivesprotocol.html), the
// protocol arXiv offers for bulk metadata: every record that changed in a
// range of days, set by set, a page of up to about a thousand records at a
// time (https://info.arxiv.org/help/oa/index.html).

import (
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// Defaults of the Harvester's zero fields, and the metadata formats it reads.
const (
	// DefaultOAIBaseURL is arXiv's OAI-PMH endpoint since 2025; it replaced
	// export.arxiv.org/oai2.
	DefaultOAIBaseURL = "https://oaipmh.arxiv.org/oai"
	// DefaultOAITimeout bounds one page. It is longer than the API's: a page
	// is megabytes, which arXiv is slow to produce.
	DefaultOAITimeout = time.Minute

	// MetadataArXiv names the "arXiv" format: authors split into forenames
	// and keyname, a created and an updated day, no versions.
	MetadataArXiv = "arXiv"
	// MetadataArXivRaw names the "arXivRaw" format: every version with its
	// date, the authors as one string, as submitted.
	MetadataArXivRaw = "arXivRaw"
)

const (
	// oaiIDPrefix starts the identifier of every arXiv OAI record.
	oaiIDPrefix = "oai:arXiv.org:"
	maxOAIBody  = 32 << 20

	codeNoRecordsMatch     = "noRecordsMatch"
	codeBadResumptionToken = "badResumptionToken"
)

// ErrBadResumptionToken means the server does not accept the resumption
// token: tokens expire, and a server that restarted may know none. The
// list cannot be resumed; the harvest must start again from its From day.
// Errors that wrap it are *OAIError too.
var ErrBadResumptionToken = errors.New("arxiv: bad OAI-PMH resumption token")

// OAIError is an error that the OAI-PMH server reported in its response.
// The protocol reports errors in the XML body, with HTTP 200. Code is one
// of the protocol's: badArgument, badResumptionToken, badVerb,
// cannotDisseminateFormat, idDoesNotExist, noRecordsMatch,
// noMetadataFormats, noSetHierarchy.
type OAIError struct {
	Code    string
	Message string
}

func (e *OAIError) Error() string {
	if e.Message == "" {
		return "OAI-PMH " + e.Code
	}
	return "OAI-PMH " + e.Code + ": " + e.Message
}

// Is reports a badResumptionToken error as ErrBadResumptionToken.
func (e *OAIError) Is(target error) bool {
	return target == ErrBadResumptionToken && e.Code == codeBadResumptionToken
}

// Harvester lists arXiv's metadata records over OAI-PMH. Its zero value is
// ready to use; set fields before the first call and do not change them
// afterwards. A Harvester is safe for concurrent use and keeps its
// requests, from all goroutines, at least MinInterval apart.
type Harvester struct {
	// BaseURL is the OAI-PMH endpoint; DefaultOAIBaseURL when empty.
	BaseURL string
	// HTTP sends the requests; http.DefaultClient when nil.
	HTTP *http.Client
	// Timeout bounds each attempt, reading the page included;
	// DefaultOAITimeout when zero or negative.
	Timeout time.Duration
	// MinInterval is the least time between the starts of two requests;
	// DefaultMinInterval when zero, no pacing when negative.
	MinInterval time.Duration
	// Attempts is how many times a request is tried; DefaultAttempts when
	// zero or negative.
	Attempts int
	// UserAgent is sent with every request; DefaultUserAgent when empty.
	UserAgent string

	pacer
}

// ListRequest selects the records of a ListRecords request.
type ListRequest struct {
	// MetadataPrefix is the metadata format: MetadataArXiv when empty, or
	// MetadataArXivRaw.
	MetadataPrefix string
	// Set limits the list to one set, such as "cs" or "physics:hep-th";
	// all of arXiv when empty.
	Set string
	// From and Until, days as YYYY-MM-DD, optional and inclusive, select
	// records by datestamp: the day arXiv last changed a record, which is
	// not the day the paper was submitted.
	From, Until string
	// ResumptionToken asks for the next page of a list: the Token of the
	// page before. OAI-PMH makes it an exclusive argument, as it stands for
	// the others, so the other fields are then neither checked nor sent and
	// may be left as they were for the first page.
	ResumptionToken string
}

// Page is one page of a list of records.
type Page struct {
	Records []Record
	// Token asks for the next page, as ListRequest.ResumptionToken; it is
	// "" on the last page.
	Token string
	// CompleteListSize is the number of records in the whole list, and
	// Cursor the position in it of this page's first record, when the
	// server tells (it does on pages with a token); 0 otherwise.
	CompleteListSize int
	Cursor           int
	// ResponseDate is when the server answered, by its clock. OAI-PMH
	// advises starting the next incremental harvest From the day of the
	// first page's ResponseDate rather than from the harvester's clock.
	ResponseDate time.Time
}

// Record is one OAI-PMH record: a paper's metadata as of Datestamp.
type Record struct {
	// Paper is the paper as the record describes it, with AsOf the
	// datestamp. A deleted record has only the ID.
	Paper paper.Paper
	// Deleted is set when arXiv has removed the record (its header's
	// status is "deleted"). Such a record has no metadata.
	Deleted bool
	// Datestamp is the day, YYYY-MM-DD, the record last changed.
	Datestamp string
	// SetSpecs lists the sets the record is in, such as "physics:hep-th"
	// or, from the service arXiv runs since 2025, "physics:physics:plasm-ph".
	SetSpecs []string
}

// ListRecords fetches one page of the records that req selects; to walk a
// whole list, call it again with the page's Token as ResumptionToken until
// the Token is "".
//
// A list with no record at all, which OAI-PMH reports as the error
// noRecordsMatch, is an empty Page and no error. A token the server no
// longer accepts gives an error wrapping ErrBadResumptionToken; other
// protocol errors give an *OAIError. Neither is retried.
//
// Network errors, timeouts, HTTP 429 and 5xx answers, and pages cut off
// before their end are retried, up to Attempts tries in all, with
// exponential backoff and jitter. arXiv answers a harvester that is too
// quick with 503 and a Retry-After header (the flow control of OAI-PMH):
// that wait is kept, by all of the Harvester's requests, before the retry,
// which counts as a try like the others. Errors name the request and the
// attempt that failed.
func (h *Harvester) ListRecords(ctx context.Context, req ListRequest) (Page, error) {
	q, err := req.query()
	if err != nil {
		return Page{}, fmt.Errorf("arxiv: OAI-PMH %s: %w", req.describe(), err)
	}
	u := cmp.Or(h.BaseURL, DefaultOAIBaseURL) + "?" + q.Encode()
	attempts := attemptsOr(h.Attempts)
	var page Page
	n, err := h.retry(ctx, attempts, func() (err error) {
		page, err = h.attempt(ctx, u)
		return err
	})
	var oaiErr *OAIError
	if errors.As(err, &oaiErr) && oaiErr.Code == codeNoRecordsMatch {
		// OAI-PMH has no empty lists: it answers one with this error.
		return Page{ResponseDate: page.ResponseDate}, nil
	}
	if err != nil {
		return Page{}, fmt.Errorf("arxiv: OAI-PMH %s (attempt %d of %d): %w", req.describe(), n, attempts, err)
	}
	return page, nil
}

// attempt makes one request and parses its answer.
func (h *Harvester) attempt(ctx context.Context, u string) (Page, error) {
	if err := h.pace(ctx, h.MinInterval); err != nil {
		return Page{}, err
	}
	resp, body, err := get(ctx, getRequest{
		client: h.HTTP, url: u, userAgent: h.UserAgent, accept: "text/xml, application/xml",
		timeout: cmp.Or(max(h.Timeout, 0), DefaultOAITimeout), limit: maxOAIBody,
	})
	if err != nil {
		return Page{}, err
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		page, err := ParseOAI(bytes.NewReader(body))
		if errors.Is(err, io.ErrUnexpectedEOF) {
			// A connection closed early on a response sent without
			// Content-Length reads as a complete body that stops
			// mid-page; another try will most likely get all of it.
			return Page{}, netError{err}
		}
		return page, err
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return Page{}, h.retryableStatus(resp)
	default:
		// Protocol errors belong in HTTP 200 answers, but a server may
		// send them with a 4xx status; the body still says what is wrong.
		page, err := ParseOAI(bytes.NewReader(body))
		var oaiErr *OAIError
		if errors.As(err, &oaiErr) {
			return page, err
		}
		return Page{}, fmt.Errorf("HTTP %s", resp.Status)
	}
}

// query is the request's query string, checked as far as it can be
// without asking the server.
func (r ListRequest) query() (url.Values, error) {
	q := url.Values{"verb": {"ListRecords"}}
	if r.ResumptionToken != "" {
		q.Set("resumptionToken", r.ResumptionToken)
		return q, nil
	}
	prefix := cmp.Or(r.MetadataPrefix, MetadataArXiv)
	if prefix != MetadataArXiv && prefix != MetadataArXivRaw {
		return nil, fmt.Errorf("metadata format %q: want %q or %q", prefix, MetadataArXiv, MetadataArXivRaw)
	}
	q.Set("metadataPrefix", prefix)
	if r.Set != "" {
		q.Set("set", r.Set)
	}
	from, err := day("from", r.From)
	if err != nil {
		return nil, err
	}
	until, err := day("until", r.Until)
	if err != nil {
		return nil, err
	}
	if !from.IsZero() && !until.IsZero() && until.Before(from) {
		return nil, fmt.Errorf("until %s is before from %s", r.Until, r.From)
	}
	if r.From != "" {
		q.Set("from", r.From)
	}
	if r.Until != "" {
		q.Set("until", r.Until)
	}
	return q, nil
}

// day reads the from or until argument. arXiv's datestamps are days, and
// OAI-PMH forbids asking with a finer granularity than the repository's.
func day(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not a day (YYYY-MM-DD)", name, s)
	}
	return t, nil
}

// describe names the request in errors: its OAI-PMH arguments.
func (r ListRequest) describe() string {
	if r.ResumptionToken != "" {
		return "ListRecords resumptionToken=" + r.ResumptionToken
	}
	var b strings.Builder
	b.WriteString("ListRecords metadataPrefix=" + cmp.Or(r.MetadataPrefix, MetadataArXiv))
	for _, a := range [][2]string{{"set", r.Set}, {"from", r.From}, {"until", r.Until}} {
		if a[1] != "" {
			b.WriteString(" " + a[0] + "=" + a[1])
		}
	}
	return b.String()
}

// XML of OAI-PMH responses. The root element must be in the OAI-PMH 2.0
// namespace, and the metadata format is told by its element's namespace:
// http://arxiv.org/OAI/arXiv/ or http://arxiv.org/OAI/arXivRaw/. The other
// elements are matched by name alone.
type xmlOAI struct {
	XMLName      xml.Name      `xml:"http://www.openarchives.org/OAI/2.0/ OAI-PMH"`
	ResponseDate string        `xml:"responseDate"`
	Errors       []xmlOAIError `xml:"error"`
	ListRecords  *xmlOAIList   `xml:"ListRecords"`
	GetRecord    *xmlOAIList   `xml:"GetRecord"`
}

type xmlOAIError struct {
	Code    string `xml:"code,attr"`
	Message string `xml:",chardata"`
}

type xmlOAIList struct {
	Records []xmlOAIRecord `xml:"record"`
	Token   *xmlOAIToken   `xml:"resumptionToken"`
}

type xmlOAIToken struct {
	Value            string `xml:",chardata"`
	Cursor           string `xml:"cursor,attr"`
	CompleteListSize string `xml:"completeListSize,attr"`
}

type xmlOAIRecord struct {
	Header struct {
		Status     string   `xml:"status,attr"`
		Identifier string   `xml:"identifier"`
		Datestamp  string   `xml:"datestamp"`
		SetSpecs   []string `xml:"setSpec"`
	} `xml:"header"`
	Metadata struct {
		ArXiv    *xmlArXiv    `xml:"http://arxiv.org/OAI/arXiv/ arXiv"`
		ArXivRaw *xmlArXivRaw `xml:"http://arxiv.org/OAI/arXivRaw/ arXivRaw"`
		Other    []struct {
			XMLName xml.Name
		} `xml:",any"`
	} `xml:"metadata"`
}

// xmlArXiv is the metadata of the arXiv format.
type xmlArXiv struct {
	ID      string `xml:"id"`
	Created string `xml:"created"`
	Updated string `xml:"updated"`
	Authors []struct {
		Keyname   string `xml:"keyname"`
		Forenames string `xml:"forenames"`
		Suffix    string `xml:"suffix"`
	} `xml:"authors>author"`
	xmlMetadata
}

// xmlMetadata are the elements both formats share, under the same names.
type xmlMetadata struct {
	Title      string `xml:"title"`
	Categories string `xml:"categories"`
	Comments   string `xml:"comments"`
	JournalRef string `xml:"journal-ref"`
	DOI        string `xml:"doi"`
	Abstract   string `xml:"abstract"`
}

// paper maps the shared elements.
func (m *xmlMetadata) paper() paper.Paper {
	p := paper.Paper{
		Title:      paper.CleanText(m.Title),
		Abstract:   paper.CleanText(m.Abstract),
		Categories: categories(strings.Fields(m.Categories)...),
		Comments:   paper.CleanText(m.Comments),
		JournalRef: paper.CleanText(m.JournalRef),
		DOI:        paper.CleanText(m.DOI),
	}
	p.Withdrawn = paper.IsWithdrawn(p.Comments)
	return p
}

// xmlArXivRaw is the metadata of the arXivRaw format.
type xmlArXivRaw struct {
	ID       string `xml:"id"`
	Versions []struct {
		Version string `xml:"version,attr"`
		Date    string `xml:"date"`
	} `xml:"version"`
	Authors string `xml:"authors"`
	xmlMetadata
}

// ParseOAI reads an OAI-PMH response to ListRecords (or GetRecord) with
// records in the arXiv or arXivRaw format, told apart by their namespace.
//
// Each record becomes a paper.Paper: the canonical id (old-style ids such
// as hep-th/9901001 included), the primary category first, titles,
// abstracts and comments with their line wrapping folded and their LaTeX
// kept, author names with TeX accents turned to Unicode, and AsOf the
// record's datestamp. From arXivRaw come the versions with their dates,
// Published the first one's and Updated the latest one's. The arXiv format
// has no versions: Published is its created day and Updated its updated
// day, or created. A created day after the month of the paper's id cannot
// be the first version's, yet arXiv's 2025 service gives such days; then
// Published is left zero.
//
// If the response reports protocol errors, ParseOAI returns a Page with
// only the ResponseDate and an *OAIError for the first of them that is
// not noRecordsMatch, else noRecordsMatch. An empty body, or one cut off
// before its end, gives an error wrapping io.ErrUnexpectedEOF.
func ParseOAI(r io.Reader) (Page, error) {
	var x xmlOAI
	cr := &countingReader{r: r}
	if err := xml.NewDecoder(cr).Decode(&x); err != nil {
		var syntax *xml.SyntaxError
		switch {
		case err == io.EOF && cr.n == 0:
			return Page{}, fmt.Errorf("arxiv: parsing OAI-PMH response: empty response: %w", io.ErrUnexpectedEOF)
		case err == io.EOF:
			return Page{}, errors.New("arxiv: parsing OAI-PMH response: no XML element in the response")
		case errors.As(err, &syntax) && syntax.Msg == "unexpected EOF":
			return Page{}, fmt.Errorf("arxiv: parsing OAI-PMH response: cut off on line %d: %w", syntax.Line, io.ErrUnexpectedEOF)
		}
		return Page{}, fmt.Errorf("arxiv: parsing OAI-PMH response: %w", err)
	}
	var page Page
	var err error
	if page.ResponseDate, err = parseOAIDate(x.ResponseDate); err != nil {
		return Page{}, fmt.Errorf("arxiv: OAI-PMH responseDate: %w", err)
	}
	if len(x.Errors) > 0 {
		return page, oaiError(x.Errors)
	}
	list := cmp.Or(x.ListRecords, x.GetRecord)
	if list == nil {
		return Page{}, errors.New("arxiv: OAI-PMH response holds neither records nor an error")
	}
	if t := list.Token; t != nil {
		page.Token = strings.TrimSpace(t.Value)
		if page.Cursor, err = count(t.Cursor); err != nil {
			return Page{}, fmt.Errorf("arxiv: OAI-PMH resumptionToken cursor: %w", err)
		}
		if page.CompleteListSize, err = count(t.CompleteListSize); err != nil {
			return Page{}, fmt.Errorf("arxiv: OAI-PMH resumptionToken completeListSize: %w", err)
		}
	}
	page.Records = make([]Record, 0, len(list.Records))
	for i := range list.Records {
		xr := &list.Records[i]
		rec, err := xr.record()
		if err != nil {
			return Page{}, fmt.Errorf("arxiv: OAI-PMH record %d (%q): %w", i+1, strings.TrimSpace(xr.Header.Identifier), err)
		}
		page.Records = append(page.Records, rec)
	}
	return page, nil
}

// oaiError is the error to report of those a response holds: OAI-PMH
// lists every problem of a request, and noRecordsMatch, which means the
// request was fine but matched nothing, counts only alone.
func oaiError(errs []xmlOAIError) *OAIError {
	e := errs[0]
	if i := slices.IndexFunc(errs, func(e xmlOAIError) bool { return strings.TrimSpace(e.Code) != codeNoRecordsMatch }); i >= 0 {
		e = errs[i]
	}
	return &OAIError{Code: strings.TrimSpace(e.Code), Message: paper.CleanText(e.Message)}
}

func (x *xmlOAIRecord) record() (Record, error) {
	h := &x.Header
	rec := Record{Deleted: strings.TrimSpace(h.Status) == "deleted", Datestamp: strings.TrimSpace(h.Datestamp)}
	for _, s := range h.SetSpecs {
		if s = strings.TrimSpace(s); s != "" {
			rec.SetSpecs = append(rec.SetSpecs, s)
		}
	}
	id, err := parseOAIIdentifier(h.Identifier)
	if err != nil {
		return Record{}, err
	}
	asOf, err := parseOAIDate(rec.Datestamp)
	if err != nil {
		return Record{}, fmt.Errorf("datestamp: %w", err)
	}
	if rec.Deleted {
		rec.Paper = paper.Paper{ID: id}
		return rec, nil
	}

	var p paper.Paper
	var metaID string
	switch m := &x.Metadata; {
	case m.ArXiv != nil:
		metaID = m.ArXiv.ID
		p, err = m.ArXiv.paper(id)
	case m.ArXivRaw != nil:
		metaID = m.ArXivRaw.ID
		p, err = m.ArXivRaw.paper()
	case len(m.Other) > 0:
		name := m.Other[0].XMLName
		return Record{}, fmt.Errorf("metadata {%s}%s is in neither the arXiv nor the arXivRaw format", name.Space, name.Local)
	default:
		return Record{}, errors.New("no metadata")
	}
	if err != nil {
		return Record{}, err
	}
	// The header's identifier is the record's key in the protocol; the
	// metadata repeats it, and a record whose two ids differ is corrupt.
	if metaID = strings.TrimSpace(metaID); metaID != "" {
		if mid, _, err := paper.ParseID(metaID); err != nil || mid != id {
			return Record{}, fmt.Errorf("metadata id %q is not the header's %s", metaID, id)
		}
	}
	p.ID = id
	p.AsOf = cmp.Or(asOf, p.Updated)
	rec.Paper = p
	return rec, nil
}

// paper maps arXiv-format metadata. id is the record's, for checking the
// created day.
func (m *xmlArXiv) paper(id paper.ID) (paper.Paper, error) {
	p := m.xmlMetadata.paper()
	created, err := parseOAIDate(m.Created)
	if err != nil {
		return paper.Paper{}, fmt.Errorf("created: %w", err)
	}
	updated, err := parseOAIDate(m.Updated)
	if err != nil {
		return paper.Paper{}, fmt.Errorf("updated: %w", err)
	}
	p.Updated = cmp.Or(updated, created)
	// The first version dates from no later than the month its id was
	// given in. arXiv's 2025 service puts later days in <created> (a
	// recorded page has 2508.21012 created on 2025-12-16); such a day is
	// not the first version's, and Published stays unknown rather than
	// wrong.
	if deadline, ok := firstVersionDeadline(id); !ok || !created.After(deadline) {
		p.Published = created
	}
	for _, a := range m.Authors {
		// "Forenames Keyname Suffix"; a collaboration has only a keyname.
		p.Authors = appendAuthor(p.Authors, a.Forenames+" "+a.Keyname+" "+a.Suffix)
	}
	return p, nil
}

// paper maps arXivRaw metadata.
func (m *xmlArXivRaw) paper() (paper.Paper, error) {
	p := m.xmlMetadata.paper()
	for _, v := range m.Versions {
		label := strings.TrimSpace(v.Version)
		n, err := strconv.Atoi(strings.TrimPrefix(label, "v"))
		if err != nil || !strings.HasPrefix(label, "v") || n < 1 || n > 9999 {
			return paper.Paper{}, fmt.Errorf("version %q is not vN", v.Version)
		}
		date, err := parseVersionDate(v.Date)
		if err != nil {
			return paper.Paper{}, fmt.Errorf("version %s: %w", label, err)
		}
		p.Versions = append(p.Versions, paper.Version{N: n, Date: date})
	}
	slices.SortStableFunc(p.Versions, func(a, b paper.Version) int { return a.N - b.N })
	if len(p.Versions) > 0 {
		p.Published = p.Versions[0].Date
		p.Updated = p.Versions[len(p.Versions)-1].Date
	}
	for _, name := range splitAuthors(m.Authors) {
		p.Authors = appendAuthor(p.Authors, name)
	}
	return p, nil
}

// appendAuthor adds a name, its TeX accents turned into Unicode as the
// API has them ("G. M\"uller" becomes "G. Müller"), unless it is blank.
func appendAuthor(authors []paper.Author, name string) []paper.Author {
	if name = paper.CleanText(paper.DeLaTeX(name)); name != "" {
		authors = append(authors, paper.Author{Name: name})
	}
	return authors
}

// splitAuthors splits arXivRaw's author list, as submitted: "A, B and C",
// "A, B, and C", "A and B et al.". Commas and " and " part names only
// outside parentheses and braces: parentheses hold affiliations, as in
// "A (MIT, Cambridge) and B", which are dropped, and braces hold TeX. A
// trailing "et al." is not a name, and a suffix such as "Jr." that a comma
// set off goes back to its name.
func splitAuthors(s string) []string {
	s = paper.CleanText(s)
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(' || c == '{':
			depth++
		case c == ')' || c == '}':
			depth = max(depth-1, 0)
		case depth > 0:
		case c == ',':
			parts = append(parts, s[start:i])
			start = i + 1
		case strings.HasPrefix(s[i:], " and "):
			parts = append(parts, s[start:i])
			start = i + len(" and ")
			i = start - 1
		}
	}
	parts = append(parts, s[start:])

	var names []string
	for _, part := range parts {
		name := strings.TrimSpace(dropParenthesized(part))
		name = strings.TrimSpace(strings.TrimPrefix(name, "and "))
		if rest, ok := cutEtAl(name); ok {
			name = rest
		}
		switch {
		case name == "":
		case isNameSuffix(name) && len(names) > 0:
			names[len(names)-1] += " " + name
		default:
			names = append(names, name)
		}
	}
	return names
}

// dropParenthesized removes the parenthesised parts of s, nested or not.
func dropParenthesized(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return paper.CleanText(b.String())
}

// cutEtAl removes "et al" or "et al." from the end of s.
func cutEtAl(s string) (string, bool) {
	lower := strings.ToLower(strings.TrimSuffix(s, "."))
	if lower == "et al" {
		return "", true
	}
	if strings.HasSuffix(lower, " et al") {
		return strings.TrimSpace(s[:len(lower)-len(" et al")]), true
	}
	return s, false
}

func isNameSuffix(s string) bool {
	switch strings.TrimSuffix(s, ".") {
	case "Jr", "Sr", "II", "III", "IV":
		return true
	}
	return false
}

// parseOAIIdentifier reads a record's identifier, "oai:arXiv.org:" and the
// arXiv id, into the canonical id.
func parseOAIIdentifier(s string) (paper.ID, error) {
	s = strings.TrimSpace(s)
	if len(s) < len(oaiIDPrefix) || !strings.EqualFold(s[:len(oaiIDPrefix)], oaiIDPrefix) {
		return "", fmt.Errorf("%w: identifier %q does not start with %s", paper.ErrBadID, s, oaiIDPrefix)
	}
	id, _, err := paper.ParseID(s[len(oaiIDPrefix):])
	return id, err
}

// firstVersionDeadline is the last day on which the first version of the
// paper with the id can have been submitted: in the month of the id's YYMM,
// or on the first of the next month, a day's grace for time zones. ok is
// false when the id has no such month.
func firstVersionDeadline(id paper.ID) (deadline time.Time, ok bool) {
	s := string(id)
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) < 4 {
		return time.Time{}, false
	}
	yy, err1 := strconv.Atoi(s[:2])
	mm, err2 := strconv.Atoi(s[2:4])
	if err1 != nil || err2 != nil || mm < 1 || mm > 12 {
		return time.Time{}, false
	}
	year := 2000 + yy
	if yy >= 91 { // old-style ids began in August 1991
		year = 1900 + yy
	}
	return time.Date(year, time.Month(mm)+1, 1, 0, 0, 0, 0, time.UTC), true
}

// parseOAIDate reads the protocol's dates: a day or a UTC time, as the
// repository's granularity is. "" is the zero time.
func parseOAIDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date %q", s)
}

// versionDateLayout is RFC 1123 with the day of the month in one or two
// digits: arXivRaw writes "Mon, 2 Apr 2007 19:18:42 GMT", which
// time.RFC1123 rejects.
const versionDateLayout = "Mon, 2 Jan 2006 15:04:05 MST"

func parseVersionDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(versionDateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad date %q", s)
	}
	return t.UTC(), nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// count reads a non-negative attribute count; "" is 0.
func count(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a count", s)
	}
	return n, nil
}
