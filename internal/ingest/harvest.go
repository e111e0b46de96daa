package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/arxiv"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Lister fetches one page of an OAI-PMH ListRecords (arxiv.Harvester).
type Lister interface {
	ListRecords(ctx context.Context, req arxiv.ListRequest) (arxiv.Page, error)
}

// HarvestLog is where harvests keep their checkpoints (store.Catalogue).
type HarvestLog interface {
	HarvestState(ctx context.Context, source string) (store.HarvestState, error)
	SaveHarvestState(ctx context.Context, st store.HarvestState) error
}

// HarvestStore is what a harvest needs of the store: its checkpoints, an
// import to write each page in, and the feed entries of a paper, so that
// a paper already on the feed is not announced again. store.Store
// satisfies it.
type HarvestStore interface {
	HarvestLog
	Importer
	Submissions(ctx context.Context, id paper.ID) ([]store.FeedItem, error)
}

// HarvestOptions say what to harvest.
type HarvestOptions struct {
	// Categories are arXiv categories ("cs.CL") or whole archives ("cs").
	// Each archive is one OAI-PMH set, harvested once for all of its
	// categories asked for, and only records in those categories are kept.
	Categories []string
	// From starts a new run at that day (YYYY-MM-DD), whatever was
	// harvested before; "" continues: the run in progress, else from the
	// day the last run ended, else FirstDays ago.
	From string
	// Until ends the run at that day; "" means up to now.
	Until string
	// FirstDays is how far back a source's first run goes without From
	// (0: 7 days).
	FirstDays int
	// MetadataPrefix is arxiv.MetadataArXivRaw (the default: it lists
	// every version with its date) or arxiv.MetadataArXiv.
	MetadataPrefix string
	// AutoFeed lists categories (or archives) whose new papers go on the
	// feed on their announcement day without anyone submitting them.
	AutoFeed []string
	// DryRun fetches and counts but writes nothing, checkpoints included.
	DryRun bool
	// Progress, when set, hears after every page.
	Progress func(HarvestProgress)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// HarvestProgress is where a harvest is.
type HarvestProgress struct {
	Set            string
	Pages, Records int
	// Cursor and Size are the server's position in the list and its
	// length, when it says (0 otherwise).
	Cursor, Size int
}

// HarvestSummary is what a harvest did, per set.
type HarvestSummary struct {
	Sets []SetSummary
}

// SetSummary is what the harvest of one set did.
type SetSummary struct {
	Set         string
	From, Until string
	Resumed     bool // it continued a run that had stopped
	Pages       int
	Read        int // records the server sent
	Kept        int // in the categories asked for
	Deleted     int // deleted records, left alone
	OnFeed      int // new papers put on the feed (auto-feed)
	store.ImportCounts
}

func (s SetSummary) String() string {
	how := "from " + orOpen(s.From) + " to " + orOpen(s.Until)
	if s.Resumed {
		how += ", resumed"
	}
	return fmt.Sprintf("%s (%s): %d pages, %d records read, %d in the categories: added %d, updated %d, unchanged %d; %d deleted records skipped, %d put on the feed",
		s.Set, how, s.Pages, s.Read, s.Kept, s.Added, s.Updated, s.Unchanged, s.Deleted, s.OnFeed)
}

func orOpen(day string) string {
	if day == "" {
		return "now"
	}
	return day
}

// physicsArchives are the archives arXiv's OAI-PMH sets list under the
// physics group ("physics:hep-th"); every other archive is a set of its
// own ("cs", "math").
var physicsArchives = []string{"astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th",
	"math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "quant-ph"}

// oaiSet is the OAI-PMH set that holds category c.
func oaiSet(c string) string {
	archive, _, _ := strings.Cut(c, ".")
	if slices.Contains(physicsArchives, archive) {
		return "physics:" + archive
	}
	return archive
}

// ParseCategories checks a comma-separated list of categories or
// archives ("cs.CL,cs.CV,math").
func ParseCategories(s string) ([]string, error) {
	var out []string
	for c := range strings.SplitSeq(s, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !isCategory(c) { // archives ("cs", "hep-th") are written as categories are
			return nil, fmt.Errorf("%q is not an arXiv category (cs.CL) or archive (cs)", c)
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Harvest pulls what changed in the categories' sets from an OAI-PMH
// server into the store, a page at a time. After every page it saves a
// checkpoint (the resumption token), so that a harvest killed at any
// point continues where it stopped when run again, and loses nothing: a
// page written but not yet checkpointed is fetched again, and writing it
// twice changes nothing (see paper.Merge). A finished run records the
// server's date, and the next run asks only for what changed since.
func Harvest(ctx context.Context, st HarvestStore, src Lister, opt HarvestOptions) (HarvestSummary, error) {
	if len(opt.Categories) == 0 {
		return HarvestSummary{}, errors.New("harvest: no categories")
	}
	var sets []string
	bySet := map[string][]string{}
	for _, c := range opt.Categories {
		set := oaiSet(c)
		if _, ok := bySet[set]; !ok {
			sets = append(sets, set)
		}
		bySet[set] = append(bySet[set], c)
	}
	var sum HarvestSummary
	for _, set := range sets {
		s, err := harvestSet(ctx, st, src, set, bySet[set], opt)
		sum.Sets = append(sum.Sets, s)
		if err != nil {
			return sum, fmt.Errorf("harvest %s: %w", set, err)
		}
	}
	return sum, nil
}

func harvestSet(ctx context.Context, st HarvestStore, src Lister, set string, cats []string, opt HarvestOptions) (SetSummary, error) {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	prefix := opt.MetadataPrefix
	if prefix == "" {
		prefix = arxiv.MetadataArXivRaw
	}
	sum := SetSummary{Set: set}
	state, err := st.HarvestState(ctx, "arxiv:"+set)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return sum, err
	}
	state.Source = "arxiv:" + set
	switch {
	case opt.From != "" && !(state.Token != "" && state.From == opt.From && state.Until == opt.Until):
		state.From, state.Until, state.Token = opt.From, opt.Until, ""
	case state.Token != "":
		sum.Resumed = true // the run that stopped, with its own bounds
	case state.Done != "":
		state.From, state.Until = state.Done, opt.Until
	default:
		days := opt.FirstDays
		if days <= 0 {
			days = 7
		}
		state.From, state.Until = now().UTC().AddDate(0, 0, -days).Format(time.DateOnly), opt.Until
	}
	if !sum.Resumed {
		state.Pages, state.Records = 0, 0
	}
	sum.From, sum.Until = state.From, state.Until
	restarted := false
	for {
		req := arxiv.ListRequest{ResumptionToken: state.Token}
		if state.Token == "" {
			req = arxiv.ListRequest{MetadataPrefix: prefix, Set: set, From: state.From, Until: state.Until}
		}
		page, err := src.ListRecords(ctx, req)
		if errors.Is(err, arxiv.ErrBadResumptionToken) && !restarted {
			// The server forgot the list (tokens expire); what was written
			// stays, and the run starts over from its first day.
			restarted, state.Token = true, ""
			continue
		}
		if err != nil {
			return sum, err
		}
		if state.Pages == 0 && state.Token == "" && !page.ResponseDate.IsZero() {
			// The next run starts from the server's day at the start of
			// this one, not from ours: OAI-PMH datestamps are its clock.
			state.Done = page.ResponseDate.UTC().Format(time.DateOnly)
		}
		sum.Pages++
		sum.Read += len(page.Records)
		recs, err := harvestRecords(ctx, st, page.Records, cats, opt.AutoFeed, &sum)
		if err != nil {
			return sum, err
		}
		if !opt.DryRun && len(recs) > 0 {
			counts, err := writeAll(ctx, st, recs)
			if err != nil {
				return sum, err
			}
			sum.ImportCounts.Add(counts)
		}
		state.Pages++
		state.Records += len(page.Records)
		state.Token = page.Token
		state.UpdatedAt = now()
		if state.Token == "" && state.Until != "" {
			state.Done = state.Until
		}
		if !opt.DryRun {
			if err := st.SaveHarvestState(ctx, state); err != nil {
				return sum, err
			}
		}
		if opt.Progress != nil {
			opt.Progress(HarvestProgress{Set: set, Pages: state.Pages, Records: state.Records, Cursor: page.Cursor + len(page.Records), Size: page.CompleteListSize})
		}
		if page.Token == "" {
			return sum, nil
		}
	}
}

// harvestRecords keeps the records of a page that are in the categories
// asked for, with repositories their text names linked, and puts the new
// papers of auto-feed categories on the feed of their announcement day.
func harvestRecords(ctx context.Context, st HarvestStore, page []arxiv.Record, cats, autoFeed []string, sum *SetSummary) ([]store.Record, error) {
	var recs []store.Record
	for _, r := range page {
		if r.Deleted {
			sum.Deleted++
			continue
		}
		p := r.Paper
		if !paper.InCategories(p.Categories, cats) {
			continue
		}
		sum.Kept++
		LinkRepo(&p)
		rec := store.Record{Paper: p}
		if len(autoFeed) > 0 && paper.InCategories(p.Categories, autoFeed) {
			sub, err := announcement(ctx, st, &p, r.Datestamp)
			if err != nil {
				return nil, err
			}
			if sub != nil {
				rec.Submission = sub
				sum.OnFeed++
			}
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// announcement is the feed entry of a new paper on the day arXiv
// announced it: the record's datestamp, for a first version that
// appeared within the few days before it (a record that changed later,
// or a replaced paper, is not news). A paper already on the feed gets no
// second entry.
func announcement(ctx context.Context, st HarvestStore, p *paper.Paper, datestamp string) (*store.Submission, error) {
	day, err := time.Parse(time.DateOnly, datestamp)
	if err != nil || p.LatestVersion() > 1 || p.Published.IsZero() {
		return nil, nil
	}
	if age := day.Sub(p.Published); age < -24*time.Hour || age > 5*24*time.Hour {
		return nil, nil
	}
	subs, err := st.Submissions(ctx, p.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if len(subs) > 0 {
		return nil, nil
	}
	return &store.Submission{Day: datestamp, SubmittedAt: day}, nil
}

// writeAll writes records in one import.
func writeAll(ctx context.Context, st Importer, recs []store.Record) (store.ImportCounts, error) {
	im, err := st.BeginImport(ctx)
	if err != nil {
		return store.ImportCounts{}, err
	}
	counts, err := im.Write(ctx, recs)
	if err != nil {
		im.Rollback()
		return counts, err
	}
	return counts, im.Commit()
}

// HarvestDue reports whether the daily harvest of the categories should
// run at now: a set was never harvested, or a run of it stopped before
// its end, or it last ran before today's hour (UTC).
func HarvestDue(ctx context.Context, st HarvestLog, categories []string, hour int, now time.Time) (bool, error) {
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), hour, 0, 0, 0, time.UTC)
	if now.Before(today) {
		today = today.AddDate(0, 0, -1)
	}
	seen := map[string]bool{}
	for _, c := range categories {
		set := oaiSet(c)
		if seen[set] {
			continue
		}
		seen[set] = true
		state, err := st.HarvestState(ctx, "arxiv:"+set)
		if errors.Is(err, store.ErrNotFound) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if state.Token != "" || state.UpdatedAt.Before(today) {
			return true, nil
		}
	}
	return false, nil
}
