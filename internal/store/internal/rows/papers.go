package rows

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// ScanPaper reads a paper's columns, in the order each backend's paperCols
// names them (id, title, abstract, authors, categories, versions,
// published_at, updated_at, listed, doi, journal_ref, comments, withdrawn,
// github_repo, github_stars, project_page, upvotes, num_comments, as_of,
// ai_summary, ai_keywords, ai_model), then any extra columns into extra.
func ScanPaper(scan func(dest ...any) error, extra ...any) (paper.Paper, error) {
	var (
		p                           paper.Paper
		id                          string
		authors, versions, keywords string
		categories                  string
	)
	dest := append([]any{&id, &p.Title, &p.Abstract, &authors, &categories, &versions, Millis(&p.Published), Millis(&p.Updated),
		&p.Listed, &p.DOI, &p.JournalRef, &p.Comments, &p.Withdrawn, &p.GitHubRepo, &p.GitHubStars, &p.ProjectPage,
		&p.Upvotes, &p.NumComments, Millis(&p.AsOf), &p.AISummary, &keywords, &p.AIModel}, extra...)
	if err := scan(dest...); err != nil {
		return p, err
	}
	p.ID = paper.ID(id)
	if err := jsonv2.Unmarshal([]byte(authors), &p.Authors, asV1); err != nil {
		return p, fmt.Errorf("paper %s: authors: %w", id, err)
	}
	if err := jsonv2.Unmarshal([]byte(versions), &p.Versions, asV1); err != nil {
		return p, fmt.Errorf("paper %s: versions: %w", id, err)
	}
	for i := range p.Versions {
		// JSON keeps the writer's offset; every time the store returns is UTC.
		p.Versions[i].Date = p.Versions[i].Date.UTC()
	}
	if keywords != "[]" { // the common case, spared a decode
		if err := jsonv2.Unmarshal([]byte(keywords), &p.AIKeywords, asV1); err != nil {
			return p, fmt.Errorf("paper %s: ai_keywords: %w", id, err)
		}
		if len(p.AIKeywords) == 0 {
			p.AIKeywords = nil
		}
	}
	if categories != "" {
		p.Categories = strings.Fields(categories)
	}
	return p, nil
}

// asV1 reads a paper's JSON columns as encoding/json did (names in any
// case, duplicate names and invalid UTF-8 let through), with the decoder
// of go-json-experiment/json, which the importers use too. Under
// encoding/json the decoding of authors and versions was a tenth of a
// Following page's CPU; a paper of five authors and two versions took
// 18.6 µs and 24 allocations there, 3.3 µs and 11 here.
var asV1 = jsonv2.JoinOptions(jsonv2.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// PaperArgs are the values of a paper's writable columns, in ScanPaper's
// order; JSON columns are passed as text, which both SQLite's TEXT and
// PostgreSQL's JSONB take.
func PaperArgs(p *paper.Paper) ([]any, error) {
	authors, err := json.Marshal(NonNil(p.Authors))
	if err != nil {
		return nil, err
	}
	versions, err := json.Marshal(NonNil(p.Versions))
	if err != nil {
		return nil, err
	}
	keywords := "[]"
	if len(p.AIKeywords) > 0 {
		b, err := json.Marshal(p.AIKeywords)
		if err != nil {
			return nil, err
		}
		keywords = string(b)
	}
	return []any{string(p.ID), p.Title, p.Abstract, string(authors), strings.Join(p.Categories, " "), string(versions),
		NullMillis(p.Published), NullMillis(p.Updated), p.Listed, p.DOI, p.JournalRef, p.Comments, p.Withdrawn,
		p.GitHubRepo, p.GitHubStars, p.ProjectPage, p.Upvotes, p.NumComments, NullMillis(p.AsOf),
		p.AISummary, keywords, p.AIModel}, nil
}

// ScanFeedItem reads a paper's columns, then a feed entry's (day,
// submitted_at, the submitter's users id, username, fullname and
// avatar_url, imported_submitter, imported_fullname), as feedCols names
// them.
func ScanFeedItem(scan func(dest ...any) error) (store.FeedItem, error) {
	var (
		it                    store.FeedItem
		uid                   sql.NullInt64
		uname, ufull, uavatar sql.NullString
		iname, ifull          string
	)
	p, err := ScanPaper(scan, &it.Day, Millis(&it.SubmittedAt), &uid, &uname, &ufull, &uavatar, &iname, &ifull)
	if err != nil {
		return it, err
	}
	it.Paper = p
	it.Submitter = submitter(uid, uname, ufull, uavatar, iname, ifull)
	return it, nil
}

// ScanMaybeFeedItem is ScanFeedItem for a paper that may have no entry
// (a LEFT JOIN of feed_entries).
func ScanMaybeFeedItem(scan func(dest ...any) error) (store.FeedItem, error) {
	var (
		it                    store.FeedItem
		day                   sql.NullString
		uid                   sql.NullInt64
		uname, ufull, uavatar sql.NullString
		iname, ifull          sql.NullString
	)
	p, err := ScanPaper(scan, &day, Millis(&it.SubmittedAt), &uid, &uname, &ufull, &uavatar, &iname, &ifull)
	if err != nil {
		return it, err
	}
	it.Paper, it.Day = p, day.String
	it.Submitter = submitter(uid, uname, ufull, uavatar, iname.String, ifull.String)
	return it, nil
}

// submitter is a feed entry's submitter: its account, or the one an
// imported feed named, or nil.
func submitter(uid sql.NullInt64, uname, ufull, uavatar sql.NullString, iname, ifull string) *store.User {
	switch {
	case uid.Valid:
		return &store.User{ID: uid.Int64, Username: uname.String, Fullname: ufull.String, AvatarURL: uavatar.String}
	case iname != "" || ifull != "":
		return &store.User{Username: iname, Fullname: ifull, Imported: true}
	}
	return nil
}
