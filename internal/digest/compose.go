package digest

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"regexp"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/dailypapers/dailypapers/internal/mail"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/recommend"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Searcher finds up to k papers published since a day for a saved search
// query (IndexSearcher).
type Searcher interface {
	Matching(ctx context.Context, query string, since time.Time, k int) ([]paper.ID, error)
}

// IndexSearcher runs saved queries on the site's search index, by words:
// a saved query is a filter, so a paper must contain what it asks for.
type IndexSearcher struct{ Index *search.Service }

// Matching runs query restricted to papers published since the day.
func (x IndexSearcher) Matching(ctx context.Context, query string, since time.Time, k int) ([]paper.ID, error) {
	if x.Index == nil || !x.Index.Ready() {
		return nil, errors.New("the search index is not ready")
	}
	_, res, err := x.Index.Search(ctx, query+" after:"+since.Format(time.DateOnly), search.Lexical, k, 0)
	if err != nil {
		return nil, err
	}
	return res.IDs(), nil
}

// FeedSource is what a Composer reads of the store: a period's papers on
// the feed (store.Store satisfies it).
type FeedSource interface {
	Feed(ctx context.Context, q store.FeedQuery) ([]store.FeedItem, error)
}

// FollowingSource is what a Composer reads of what subscribers with an
// account follow (store.Store satisfies it).
type FollowingSource interface {
	FollowedPapersBetween(ctx context.Context, userID int64, from, to time.Time, limit int) ([]store.FeedItem, error)
}

// AccountSource reads a subscriber's account (store.Store satisfies it).
type AccountSource interface {
	Account(ctx context.Context, id int64) (store.Account, error)
}

// Composer writes digests.
type Composer struct {
	Store FeedSource
	// Following, when set, gives subscribers with an account a "From what
	// you follow" section: the period's papers of what they follow.
	Following FollowingSource
	// ForYou, when set, gives subscribers with an account who asked for
	// it (Subscription.ForYou) a "For you" section: the period's papers
	// ranked by their reader model, as the For-you page ranks them, with
	// its reasons. Accounts reads their accounts (a disabled one gets
	// none). ForYouTop bounds it (10 when 0).
	ForYou    *recommend.Digest
	Accounts  AccountSource
	ForYouTop int
	Search    Searcher // nil: saved queries match nothing
	Signer    *Signer
	BaseURL   string // https://papers.example.org, no trailing slash
	SiteName  string
	// Top is how many trending papers open every digest (10 when 0);
	// MaxMatches bounds the papers matching a subscriber's filters (30
	// when 0).
	Top, MaxMatches int
}

// ManageLife is how long the manage link of a mail works.
const ManageLife = 90 * 24 * time.Hour

//go:embed templates
var templateFS embed.FS

var (
	htmlTmpl *htmltemplate.Template
	textTmpl *texttemplate.Template
)

// The templates are made in init: their "entry" functions execute them.
func init() {
	htmlTmpl = htmltemplate.Must(htmltemplate.New("digest.html").Funcs(htmltemplate.FuncMap{"authors": authors, "short": paper.Excerpt, "entry": htmlEntry}).
		ParseFS(templateFS, "templates/digest.html"))
	textTmpl = texttemplate.Must(texttemplate.New("digest.txt").Funcs(texttemplate.FuncMap{"authors": authors, "short": paper.Excerpt, "entry": textEntry}).
		ParseFS(templateFS, "templates/digest.txt"))
}

// Edition is what one period's digests draw from, loaded once for all
// subscribers of the period.
type Edition struct {
	Period Period
	All    []store.FeedItem // every paper on the feed in the period, most upvoted first
	lower  []string         // title and abstract of All, lower-cased, for keywords

	mu      sync.Mutex
	queries map[string]map[paper.ID]bool // saved query -> the papers it finds

	// forYou are the period's papers ready to be ranked for each
	// subscriber who asked for a For-you section, made by the first.
	forYouOnce sync.Once
	forYou     *recommend.Candidates
	forYouErr  error

	// entries holds the papers' "paper" blocks as rendered once for all
	// the edition's digests (entryKey -> string or htmltemplate.HTML):
	// executing the templates is most of the cost of a digest.
	entries sync.Map
}

// entryKey names a paper's rendered block in Edition.entries. A block
// depends only on the site's address and the paper, the same in every
// FeedItem of the paper in All.
type entryKey struct {
	base string
	id   paper.ID
	html bool
}

// Edition loads a period's papers.
func (c *Composer) Edition(ctx context.Context, p Period) (*Edition, error) {
	items, err := c.Store.Feed(ctx, store.FeedQuery{From: p.From, To: p.To})
	if err != nil {
		return nil, err
	}
	ed := &Edition{Period: p, All: items, lower: make([]string, len(items)), queries: map[string]map[paper.ID]bool{}}
	for i := range items {
		ed.lower[i] = " " + strings.ToLower(items[i].Paper.Title+" "+items[i].Paper.Abstract) + " "
	}
	return ed, nil
}

// Digest is one subscriber's mail of one period, before it becomes a Message.
type Digest struct {
	SiteName, BaseURL string
	Period            Period
	Top               []store.FeedItem
	Matches           []store.FeedItem
	// Followed are the period's papers from what the subscriber follows
	// (a subscription made with an account), newest first.
	Followed []store.FeedItem
	// ForYou are the period's papers ranked for the subscriber, who asked
	// for them, best first, each with its reason; ForYouNote says why
	// there are none, when they asked and there are none.
	ForYou         []ForYouItem
	ForYouNote     string
	Filters        string // the subscriber's filters in words, "" for none
	ManageURL      string
	UnsubscribeURL string

	ed *Edition // where the papers come from, for their rendered blocks; nil renders them anew
}

// Empty reports whether the digest holds no paper: it is then not sent.
func (d *Digest) Empty() bool {
	return len(d.Top) == 0 && len(d.Matches) == 0 && len(d.Followed) == 0 && len(d.ForYou) == 0
}

// ForYouItem is a paper of the For-you section and why it is there.
type ForYouItem struct {
	store.FeedItem
	Reason string
}

// The For-you section's notes, when a subscriber asked for it and it has
// no papers.
const (
	forYouNoSignals = "Your For-you section fills once you upvote, save or follow a few papers, or pick some topics: "
	forYouPreparing = "Your For-you ranking is being prepared from your latest signals; it joins your next digest."
	forYouPaused    = "You paused For you, so this digest has no For-you section. Resume it: "
	forYouAbsent    = "Your For-you section could not be ranked this time; it will be back in your next digest."
)

// forYou ranks the period's papers for the subscriber's account by its
// kept model. Nothing to rank by is a note, not an error: a digest goes
// out without the section rather than not at all.
func (c *Composer) forYou(ctx context.Context, ed *Edition, userID int64) ([]ForYouItem, string, error) {
	a, err := c.Accounts.Account(ctx, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, "", nil
	case err != nil:
		return nil, "", fmt.Errorf("digest: account %d: %w", userID, err)
	case !a.DisabledAt.IsZero():
		return nil, "", nil
	}
	ed.forYouOnce.Do(func() { ed.forYou, ed.forYouErr = c.ForYou.Candidates(ctx, ed.Period.From, ed.Period.To) })
	if errors.Is(ed.forYouErr, recommend.ErrNotReady) {
		return nil, forYouAbsent, nil
	}
	if ed.forYouErr != nil {
		return nil, "", fmt.Errorf("digest: the period's papers for For you: %w", ed.forYouErr)
	}
	top := c.ForYouTop
	if top <= 0 {
		top = 10
	}
	r, err := ed.forYou.Rank(ctx, a, top)
	switch {
	case errors.Is(err, recommend.ErrBadModel):
		return nil, forYouPreparing, nil // the next training replaces it
	case errors.Is(err, recommend.ErrDisabled):
		return nil, "", nil
	case err != nil:
		return nil, "", fmt.Errorf("digest: For you of account %d: %w", userID, err)
	case r.Paused:
		return nil, forYouPaused + c.BaseURL + "/for-you/settings", nil
	case r.Preparing:
		return nil, forYouPreparing, nil
	case r.None:
		return nil, forYouNoSignals + c.BaseURL + "/for-you/settings", nil
	}
	out := make([]ForYouItem, len(r.Papers))
	for i, p := range r.Papers {
		out[i] = ForYouItem{FeedItem: p.Item, Reason: p.Reason}
	}
	return out, "", nil
}

// followed lists the papers of what the account follows that were first
// published in the period, newest first, at most max. They are read by
// the period's dates, not paged down from the newest: a digest sent late,
// or a followed stream busy since, costs no more.
func (c *Composer) followed(ctx context.Context, userID int64, p Period, max int) ([]store.FeedItem, error) {
	from, err := time.Parse(time.DateOnly, p.From)
	if err != nil {
		return nil, err
	}
	to, err := time.Parse(time.DateOnly, p.To)
	if err != nil {
		return nil, err
	}
	out, err := c.Following.FollowedPapersBetween(ctx, userID, from, to.AddDate(0, 0, 1), max)
	if err != nil {
		return nil, fmt.Errorf("digest: papers followed by account %d: %w", userID, err)
	}
	return out, nil
}

// Compose makes sub's digest of an edition.
func (c *Composer) Compose(ctx context.Context, ed *Edition, sub *store.Subscription, now time.Time) (*Digest, error) {
	top := c.Top
	if top <= 0 {
		top = 10
	}
	maxMatches := c.MaxMatches
	if maxMatches <= 0 {
		maxMatches = 30
	}
	d := &Digest{SiteName: c.SiteName, BaseURL: c.BaseURL, Period: ed.Period, Top: ed.All[:min(top, len(ed.All))], ed: ed,
		Filters:        describe(sub),
		ManageURL:      c.BaseURL + "/subscription/" + c.Signer.Sign(PurposeManage, sub.ID, now.Add(ManageLife)),
		UnsubscribeURL: c.BaseURL + "/unsubscribe/" + c.Signer.Sign(PurposeUnsubscribe, sub.ID, time.Time{})}
	if sub.UserID != 0 && c.Following != nil {
		var err error
		if d.Followed, err = c.followed(ctx, sub.UserID, ed.Period, maxMatches); err != nil {
			return nil, err
		}
	}
	if sub.UserID != 0 && sub.ForYou && c.ForYou != nil && c.Accounts != nil {
		var err error
		if d.ForYou, d.ForYouNote, err = c.forYou(ctx, ed, sub.UserID); err != nil {
			return nil, err
		}
	}
	if d.Filters == "" {
		return d, nil
	}
	var found map[paper.ID]bool
	if sub.Query != "" && c.Search != nil {
		var err error
		if found, err = ed.searched(ctx, c.Search, sub.Query); err != nil {
			return nil, err
		}
	}
	kws := make([]string, 0, len(sub.Keywords))
	for _, k := range sub.Keywords {
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
			kws = append(kws, k)
		}
	}
	for i := len(d.Top); i < len(ed.All) && len(d.Matches) < maxMatches; i++ {
		it := &ed.All[i]
		if found[it.Paper.ID] || paper.InCategories(it.Paper.Categories, sub.Categories) || hasKeyword(ed.lower[i], kws) {
			d.Matches = append(d.Matches, *it)
		}
	}
	return d, nil
}

// searched runs a saved query once per edition.
func (ed *Edition) searched(ctx context.Context, s Searcher, q string) (map[paper.ID]bool, error) {
	ed.mu.Lock()
	defer ed.mu.Unlock()
	if m, ok := ed.queries[q]; ok {
		return m, nil
	}
	// Papers reach the feed within weeks of their first version.
	from, err := time.Parse(time.DateOnly, ed.Period.From)
	if err != nil {
		return nil, err
	}
	ids, err := s.Matching(ctx, q, from.AddDate(0, 0, -31), 1000)
	if err != nil {
		return nil, fmt.Errorf("saved query %q: %w", q, err)
	}
	m := make(map[paper.ID]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	ed.queries[q] = m
	return m, nil
}

// hasKeyword finds a keyword as whole words in text (lower-case, padded
// with spaces).
func hasKeyword(text string, kws []string) bool {
	for _, k := range kws {
		for from := 0; ; {
			i := strings.Index(text[from:], k)
			if i < 0 {
				break
			}
			i += from
			if !isWordByte(text[i-1]) && !isWordByte(text[i+len(k)]) {
				return true
			}
			from = i + 1
		}
	}
	return false
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 0x80
}

// describe says what a subscriber's filters are, "" when there are none.
func describe(sub *store.Subscription) string {
	var parts []string
	if len(sub.Categories) > 0 {
		parts = append(parts, "categories "+strings.Join(sub.Categories, ", "))
	}
	if len(sub.Keywords) > 0 {
		parts = append(parts, "keywords “"+strings.Join(sub.Keywords, "”, “")+"”")
	}
	if sub.Query != "" {
		parts = append(parts, "the search “"+sub.Query+"”")
	}
	return strings.Join(parts, "; ")
}

// Message renders a digest as a mail to sub.
func (c *Composer) Message(d *Digest, sub *store.Subscription, now time.Time) (mail.Message, error) {
	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, d); err != nil {
		return mail.Message{}, fmt.Errorf("digest: text: %w", err)
	}
	if err := htmlTmpl.Execute(&html, d); err != nil {
		return mail.Message{}, fmt.Errorf("digest: html: %w", err)
	}
	n := len(d.Top) + len(d.Matches) + len(d.Followed) + len(d.ForYou)
	papers := fmt.Sprintf("%d papers", n)
	if n == 1 {
		papers = "1 paper"
	}
	subject := fmt.Sprintf("%s: %s for %s", c.SiteName, papers, d.Period.Label)
	if d.Period.Frequency == store.Weekly {
		subject = fmt.Sprintf("%s: the week's %s, %s", c.SiteName, papers, d.Period.Label)
	}
	return mail.Message{
		To: sub.Email, Subject: subject, Text: text.String(), HTML: html.String(), Date: now,
		MessageID: MessageID(sub.ID, d.Period, c.BaseURL),
		Headers: map[string]string{
			"List-Unsubscribe":      "<" + d.UnsubscribeURL + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"List-Id":               c.SiteName + " digest <digest." + host(c.BaseURL) + ">",
		},
	}, nil
}

var unsafeID = regexp.MustCompile(`[^A-Za-z0-9.-]`)

// MessageID is the same for every attempt of one (subscription, period)
// digest, so a mail system that sees it twice can tell it is one mail.
func MessageID(subID int64, p Period, baseURL string) string {
	return fmt.Sprintf("digest.%d.%s@%s", subID, unsafeID.ReplaceAllString(p.Key, "-"), host(baseURL))
}

func host(baseURL string) string {
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "localhost"
}

// authors lists up to three authors, then "et al.".
func authors(as []paper.Author) string {
	var names []string
	for i, a := range as {
		if i == 3 {
			names = append(names, "et al.")
			break
		}
		names = append(names, a.Name)
	}
	return strings.Join(names, ", ")
}

// itemData is a paper of a digest with the site's address, for the
// templates' "paper" block.
type itemData struct {
	Base string
	store.FeedItem
}

func item(d *Digest, it store.FeedItem) itemData { return itemData{Base: d.BaseURL, FeedItem: it} }

// entry is the "paper" block of it in a digest, rendered once per edition.
func entry[T ~string](d *Digest, it *store.FeedItem, isHTML bool, render func(*bytes.Buffer, itemData) error) (T, error) {
	key := entryKey{base: d.BaseURL, id: it.Paper.ID, html: isHTML}
	if d.ed != nil {
		if v, ok := d.ed.entries.Load(key); ok {
			return v.(T), nil
		}
	}
	var b bytes.Buffer
	if err := render(&b, item(d, *it)); err != nil {
		return "", err
	}
	v := T(b.String())
	if d.ed != nil {
		d.ed.entries.Store(key, v)
	}
	return v, nil
}

// htmlEntry is the HTML template's "entry": what {{template "paper" (item $ .)}}
// writes, as HTML that is not escaped again.
func htmlEntry(d *Digest, it store.FeedItem) (htmltemplate.HTML, error) {
	return entry[htmltemplate.HTML](d, &it, true, func(b *bytes.Buffer, data itemData) error {
		return htmlTmpl.ExecuteTemplate(b, "paper", data)
	})
}

// textEntry is the text template's "entry".
func textEntry(d *Digest, it store.FeedItem) (string, error) {
	return entry[string](d, &it, false, func(b *bytes.Buffer, data itemData) error {
		return textTmpl.ExecuteTemplate(b, "paper", data)
	})
}
