package recommend

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Windows are the spans of days the For-you tab offers.
var Windows = []int{1, 3, 7, 30}

// DefaultWindow is the span shown first.
const DefaultWindow = 7

// Signal weights: how much each kind counts as a liked paper. "More
// like this" is an explicit ask, so it counts double; a seed paper is
// a reader's own choice of what they read, as an upvote is. A save or a
// paper put in a collection is kept on purpose, for later, which says
// more than an upvote given in passing (1.5); a read mark says the
// reader opened it, not that they liked it (0.5). Followed authors and
// categories are not papers: they join as the model's follows (train).
var signalWeight = map[store.SignalKind]float64{
	store.SignalUpvote:       1,
	store.SignalSeedPaper:    1,
	store.SignalMoreLikeThis: 2,
	store.SignalSaved:        1.5,
	store.SignalCollected:    1.5,
	store.SignalRead:         0.5,
}

// How the service keeps its caches.
const (
	// windowTTL is how long a window's papers and features serve before
	// they are read again (in the background: requests keep the old ones
	// meanwhile). New papers arrive daily; ten minutes is fresh enough.
	windowTTL = 10 * time.Minute
	// windowRetry is how soon a failed read of the windows is tried again.
	windowRetry = 30 * time.Second
	// readyPoll is how often the service looks whether the search index
	// is ready, to make the windows' features as soon as it is.
	readyPoll = 100 * time.Millisecond
	// reasonsAhead is how many papers at the top of each ranking a
	// training gives their reasons, so that the first page a new model
	// serves makes none in the request.
	reasonsAhead = 20
	// maxReaders bounds the cached reader models; past it the cache is
	// dropped whole and refills with the readers who come back.
	maxReaders = 20000
	// maxItems bounds the cached features of papers outside the windows
	// (what readers gave signals on).
	maxItems = 100000
	// shownNegatives is how many papers of a reader's last page, passed
	// over, count as negatives when their model is trained again.
	shownNegatives = 20
	// jobDelay is how long a job waits before it starts: a burst of
	// signals (a reader upvoting down a page) then trains once, and the
	// request that started it is answered before the job takes a core.
	jobDelay = 100 * time.Millisecond
)

// trainers bounds the jobs run at once in a process: half its cores (at
// least one). A job is the costly part (most of a second of CPU for 500
// signals on a month of arXiv) and runs beside the requests, which must
// keep the other half.
func trainers() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// ErrDisabled is asking for the ranking of a disabled account.
var ErrDisabled = errors.New("recommend: the account is disabled")

// Store is what the For-you service reads of the store.
type Store interface {
	ReaderSignals(ctx context.Context, userID int64) ([]store.Signal, error)
	ReaderState(ctx context.Context, userID int64) (store.ReaderState, error)
	WindowPapers(ctx context.Context, from, to string, limit int) ([]paper.Paper, error)
	NewestDay(ctx context.Context) (string, error)
	Feed(ctx context.Context, q store.FeedQuery) ([]store.FeedItem, error)
	PapersOnFeed(ctx context.Context, ids []paper.ID) ([]store.FeedItem, error)
}

// Index is what the service needs of the search service: term weights by
// the index's statistics and the stored paper vectors (nil: none).
type Index interface {
	TermWeigher
	Vectors() *search.Vectors
	// Ready reports whether the index is built: term weights before
	// that have no statistics behind them.
	Ready() bool
}

// ErrNotReady is a ranking asked for before the search index is built.
var ErrNotReady = errors.New("recommend: the search index is still loading")

// Service ranks recent papers for each reader. It keeps, per window of
// days, the window's papers with their features ready (made in the
// background as soon as the search index is ready, and again every
// windowTTL), and per reader the trained model and its ranking of each
// window with the reasons of the papers shown, stamped with the
// reader's signal version in the store. Each request reads that version
// (one indexed row) and pages the ranking it has; when the version
// moved, or the window was read again, it starts a job in the background
// that trains the model again (or only ranks the new window) and serves
// what it has meanwhile. So no request trains, scores a window or makes
// features, and a signal given through any process ranks through every
// process within the seconds a training takes.
type Service struct {
	st    Store
	ix    Index
	feats *Features
	log   *slog.Logger
	now   func() time.Time

	// ctx ends the background work (Close); trainers holds a place for
	// each training running, busy counts the goroutines started and not
	// done, pending those WaitIdle waits for (trainings and loads).
	ctx      context.Context
	stop     context.CancelFunc
	trainers chan struct{}
	busy     sync.WaitGroup
	pending  atomic.Int64

	mu      sync.Mutex
	windows map[int]*window
	readers map[int64]*reader
	items   map[paper.ID]*Item
	// load is the read of the windows under way, nil when none is.
	load *loading
	// made are the windows' papers' features with the fingerprints of
	// what they were made from, so that reading the windows again makes
	// only the new or changed papers' (a refresh costs the day's new
	// papers, not the month's).
	made map[paper.ID]madeItem
}

// madeItem is a window paper's features and what they were made from.
type madeItem struct {
	item  *Item
	print uint64
}

// NewService returns a service over the store and the search index;
// now is the clock (nil: time.Now). It makes the windows' features in
// the background as soon as the index is ready.
func NewService(st Store, ix Index, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Service{st: st, ix: ix, feats: NewFeatures(ix), log: log, now: now, ctx: ctx, stop: stop,
		trainers: make(chan struct{}, trainers()),
		windows:  map[int]*window{}, readers: map[int64]*reader{}, items: map[paper.ID]*Item{}}
	if ix.Ready() {
		s.startLoad() // now, so that WaitIdle waits for it
	}
	s.busy.Add(1)
	go s.keepWindows()
	return s
}

// Close cancels the background work under way and waits for it to end.
func (s *Service) Close() {
	s.stop()
	s.busy.Wait()
}

// WaitIdle waits until no training and no read of the windows is under
// way, or ctx ends: for tests, which then see the model a signal gave.
func (s *Service) WaitIdle(ctx context.Context) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for s.pending.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// window is the papers of the last days, ready to score.
type window struct {
	days   int
	built  time.Time
	from   string // first day, YYYY-MM-DD
	to     string
	papers []store.FeedItem
	items  []*Item
	index  map[paper.ID]int
}

// reader is a reader's cached model and rankings.
type reader struct {
	mu sync.Mutex
	// version is the reader's version in the store when the model was
	// trained (-1: never); training is set while a job (a training, or a
	// ranking of windows read again) is under way.
	version  int64
	training bool
	model    *Model
	signals  []store.Signal
	// liked describes the model's positives, for reasons: by Example.
	liked []likedPaper
	// ranks are the model's rankings, by window length in days.
	ranks map[int]*ranking
	shown []paper.ID // the top of the page last served
	// dismissed are the papers the reader gave a signal on: marked Not
	// interested, or known to them already (upvoted, asked more of,
	// picked). They are not recommended.
	dismissed map[paper.ID]bool
	// papers are the features and titles of the papers the last training
	// read, kept so the next one reads only the papers signalled since.
	papers map[paper.ID]signalled
}

// ranking is a window's papers in a model's order, with the reasons of
// those shown so far: a page made again costs no scoring and no reason.
type ranking struct {
	w     *window
	model *Model
	liked []likedPaper
	// order is the item indices in w, best first, less those dismissed
	// (int32: a reader keeps one for each window).
	order []int32
	// reasons are by item index, made when first shown (or by the job
	// that ranked, for the top reasonsAhead).
	reasons map[int32]string
}

// drop takes a paper out of the ranking.
func (rk *ranking) drop(id paper.ID) {
	if i, ok := rk.w.index[id]; ok {
		rk.order = slices.DeleteFunc(rk.order, func(j int32) bool { return int(j) == i })
	}
}

// signalled is a paper a reader gave a signal on, ready to train on.
type signalled struct {
	item  *Item
	title string
}

// likedPaper is a positive's paper and the kind of its signal.
type likedPaper struct {
	id    paper.ID
	title string
	kind  store.SignalKind
}

// Ranked is one recommended paper and why.
type Ranked struct {
	Item   store.FeedItem
	Score  float64
	Reason string
}

// Result is a page of a reader's ranking.
type Result struct {
	Papers []Ranked
	// Total is how many papers the window ranks.
	Total int
	// From and To are the window's days.
	From, To string
	// Cold is set when the ranking is not personal: the reader has no
	// signals yet, paused personalisation (Paused), or has signals and
	// no ranking from them yet (Preparing: a model is being trained, or
	// the window's papers are still being read after a start). The
	// caller shows trending and says so.
	Cold, Paused, Preparing bool
	// Stale is set when the ranking is by a model older than the
	// reader's newest signals: one is being trained from them, and a
	// request after it is done ranks by it.
	Stale bool
	// Signals is how many signals the model learnt from.
	Signals int
}

// Rank returns a page of the reader's ranking of the window of days. It
// only pages what the reader's last job ranked: when there is nothing
// to page yet, the result is Preparing.
func (s *Service) Rank(ctx context.Context, a store.Account, days, offset, limit int) (Result, error) {
	if !a.DisabledAt.IsZero() {
		return Result{}, ErrDisabled
	}
	if !s.ix.Ready() {
		return Result{}, ErrNotReady
	}
	r, st, err := s.reader(ctx, a.ID)
	if err != nil {
		return Result{}, err
	}
	var res Result
	w := s.loaded(days)
	if w != nil {
		res.Total, res.From, res.To = len(w.items), w.from, w.to
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	res.Signals = len(r.signals)
	switch {
	case st.Paused:
		res.Cold, res.Paused = true, true
		return res, nil
	case r.model == nil && r.version != st.Version:
		// Signals and no model from them yet: one is being trained.
		res.Cold, res.Preparing = true, true
		return res, nil
	case r.model == nil:
		res.Cold = true
		return res, nil
	}
	res.Stale = r.version != st.Version
	rk := r.ranks[days]
	switch {
	case rk == nil:
		// A model and no ranking of this window by it: the window was
		// not read yet when the model was trained (the service had just
		// started). A job ranks it; scoring it here would cost the
		// request the whole window.
		s.startJob(a.ID, r)
		res.Cold, res.Preparing = true, true
		return res, nil
	case w != nil && rk.w != w:
		// The window was read again since it was ranked: this ranking
		// serves until a job has ranked the new one.
		s.startJob(a.ID, r)
	}
	res.Total, res.From, res.To = len(rk.order), rk.w.from, rk.w.to
	if offset == 0 {
		r.shown = r.shown[:0]
	}
	for _, i := range rk.order[min(offset, len(rk.order)):min(offset+limit, len(rk.order))] {
		res.Papers = append(res.Papers, Ranked{Item: rk.w.papers[i], Reason: s.rankedReason(rk, i)})
		if offset == 0 && len(r.shown) < shownNegatives {
			r.shown = append(r.shown, rk.w.papers[i].Paper.ID)
		}
	}
	return res, nil
}

// rankedReason is the reason of the ranking's item i, made once.
func (s *Service) rankedReason(rk *ranking, i int32) string {
	why, ok := rk.reasons[i]
	if !ok {
		why = s.reasonFor(rk.model, rk.liked, rk.w.items[i])
		rk.reasons[i] = why
	}
	return why
}

// reader returns the reader's cached model and their state in the
// store. When their signals changed since the model was trained (or it
// never was), a training starts in the background and the request goes
// on with what there is: training costs far more than a request may.
// A reader who never gave a signal (version 0) has nothing to train.
func (s *Service) reader(ctx context.Context, userID int64) (*reader, store.ReaderState, error) {
	st, err := s.st.ReaderState(ctx, userID)
	if err != nil {
		return nil, st, err
	}
	r := s.readerEntry(userID)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.version == st.Version:
	case st.Version == 0:
		r.version, r.model, r.ranks = 0, nil, nil
	case !st.Paused:
		s.startJob(userID, r)
	}
	return r, st, nil
}

// Signalled tells the service of a card's signal this process kept (on:
// given, else withdrawn): a paper given a signal leaves the ranking now,
// before the model has learnt from it, and the training starts at once
// (Changed).
func (s *Service) Signalled(userID int64, sg store.Signal, on bool) {
	r := s.changed(userID)
	if r == nil || !sg.Kind.OnPaper() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.dismissed == nil:
	case on && !r.dismissed[sg.Paper]:
		r.dismissed[sg.Paper] = true
		for _, rk := range r.ranks {
			rk.drop(sg.Paper)
		}
	case !on:
		// It comes back with the training this started, if no other
		// signal keeps it out.
		delete(r.dismissed, sg.Paper)
	}
}

// Changed tells the service that the reader's signals changed through
// this process (onboarding, a removal, pause): their model is trained
// again now rather than at their next request, so it is likelier ready
// by then. Nil-safe: a site without the service has nothing to train.
func (s *Service) Changed(userID int64) { s.changed(userID) }

func (s *Service) changed(userID int64) *reader {
	if s == nil {
		return nil
	}
	r := s.readerEntry(userID)
	r.mu.Lock()
	defer r.mu.Unlock()
	s.startJob(userID, r)
	return r
}

// readerEntry is the reader's place in the cache, made if need be.
func (s *Service) readerEntry(userID int64) *reader {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.readers[userID]
	if r == nil {
		if len(s.readers) >= maxReaders {
			clear(s.readers)
		}
		r = &reader{version: -1}
		s.readers[userID] = r
	}
	return r
}

// job is what a background job starts from: the reader's state when it
// was started.
type job struct {
	version   int64
	model     *Model
	liked     []likedPaper
	dismissed map[paper.ID]bool
	shown     []paper.ID
	known     map[paper.ID]signalled
}

// startJob trains the reader's model again in the background, or, when
// the reader's signals did not change since it was trained, ranks the
// windows read since with it; r.mu is held. Nothing starts while a job
// of the reader's is under way (the next request starts another if the
// one running missed something). A job starts jobDelay later, then
// waits for one of the process's places; jobs end with the service.
func (s *Service) startJob(userID int64, r *reader) {
	if r.training || s.ctx.Err() != nil {
		return
	}
	r.training = true
	j := job{version: r.version, model: r.model, liked: r.liked, dismissed: maps.Clone(r.dismissed),
		shown: slices.Clone(r.shown), known: r.papers}
	s.busy.Add(1)
	s.pending.Add(1)
	go func() {
		defer s.busy.Done()
		defer s.pending.Add(-1)
		var (
			t   *trained
			err error
		)
		// Once the model is in place: kept for the processes that rank
		// without training (the digest).
		defer func() {
			if err == nil && !t.reused {
				s.keepModel(userID, t)
			}
		}()
		select {
		case <-time.After(jobDelay):
		case <-s.ctx.Done():
		}
		select {
		case <-s.ctx.Done():
			err = s.ctx.Err()
		case s.trainers <- struct{}{}:
			t, err = s.runJob(s.ctx, userID, j)
			<-s.trainers
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.training = false
		if err != nil {
			if s.ctx.Err() == nil {
				s.log.Warn("recommend: training a reader's model", "user", userID, "err", err)
			}
			return
		}
		switch {
		case t.version > r.version:
			// Papers a card's signal dismissed while the job ran, which
			// the signals it read may not hold yet, stay out.
			for id := range r.dismissed {
				if !j.dismissed[id] && !t.dismissed[id] {
					t.dismissed[id] = true
					for _, rk := range t.ranks {
						rk.drop(id)
					}
				}
			}
			r.version, r.model, r.signals, r.liked, r.dismissed, r.papers = t.version, t.model, t.signals, t.liked, t.dismissed, t.papers
			r.ranks = t.ranks
		case t.version == r.version && t.model == r.model && t.model != nil:
			// The same model, the windows read again.
			for days, rk := range t.ranks {
				for id := range r.dismissed {
					if !j.dismissed[id] {
						rk.drop(id)
					}
				}
				if r.ranks == nil {
					r.ranks = map[int]*ranking{}
				}
				r.ranks[days] = rk
			}
		}
	}()
}

// trained is what a job gives, put in the reader's place at once.
type trained struct {
	version   int64
	model     *Model
	signals   []store.Signal
	liked     []likedPaper
	dismissed map[paper.ID]bool
	papers    map[paper.ID]signalled
	ranks     map[int]*ranking
	// reused is set when the job ranked with the model it had rather
	// than training one: that model is kept in the store already.
	reused bool
}

// runJob trains the reader's model if their signals moved since j's, and
// ranks every window read with it: the request that finds the new model,
// in whatever window, only pages it.
func (s *Service) runJob(ctx context.Context, userID int64, j job) (*trained, error) {
	st, err := s.st.ReaderState(ctx, userID)
	if err != nil {
		return nil, err
	}
	var t *trained
	if j.model != nil && st.Version == j.version {
		t = &trained{version: j.version, model: j.model, liked: j.liked, dismissed: j.dismissed, reused: true}
	} else if t, err = s.train(ctx, userID, j.shown, j.known); err != nil {
		return nil, err
	}
	if t.model == nil {
		return t, nil
	}
	// The widest window is read before any other: waiting for it waits
	// for them all after a start.
	if _, err := s.window(ctx, Windows[len(Windows)-1]); err != nil {
		return nil, err
	}
	s.mu.Lock()
	wins := maps.Clone(s.windows)
	s.mu.Unlock()
	// The widest window is scored, and the narrower ones, whose papers
	// are among its, take their papers in its order: scoring is most of
	// a job, and their scores would differ only by being standardised
	// over fewer papers (which a day's few hundred estimate worse).
	widest := wins[Windows[len(Windows)-1]]
	order := s.order(t.model, t.dismissed, widest)
	t.ranks = map[int]*ranking{}
	for days, w := range wins {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rk := &ranking{w: w, model: t.model, liked: t.liked, reasons: map[int32]string{}}
		if w == widest || !within(w, widest) {
			o := order
			if w != widest {
				o = s.order(t.model, t.dismissed, w)
			}
			rk.order = make([]int32, len(o))
			for k, i := range o {
				rk.order[k] = int32(i)
			}
		} else {
			rk.order = make([]int32, 0, len(w.items))
			for _, i := range order {
				if j, ok := w.index[widest.papers[i].Paper.ID]; ok {
					rk.order = append(rk.order, int32(j))
				}
			}
		}
		for _, i := range rk.order[:min(reasonsAhead, len(rk.order))] {
			s.rankedReason(rk, i)
		}
		t.ranks[days] = rk
	}
	return t, nil
}

// within reports whether all of w's papers are in v: a narrower window's
// are in the widest's unless that one was cut at maxWindow.
func within(w, v *window) bool {
	for id := range w.index {
		if _, ok := v.index[id]; !ok {
			return false
		}
	}
	return true
}

// order ranks a window's papers by the model, less those dismissed.
func (s *Service) order(m *Model, dismissed map[paper.ID]bool, w *window) []int {
	return slices.DeleteFunc(rankItems(m.Score(w.items)), func(i int) bool { return dismissed[w.papers[i].Paper.ID] })
}

// train fits the reader's model from their signals, stamped with the
// version read before them (a signal given meanwhile leaves the model
// stale, so the next request trains again). The signalled papers'
// features come from known, the last training's, where they are there.
func (s *Service) train(ctx context.Context, userID int64, shown []paper.ID, known map[paper.ID]signalled) (*trained, error) {
	st, err := s.st.ReaderState(ctx, userID)
	if err != nil {
		return nil, err
	}
	sigs, err := s.st.ReaderSignals(ctx, userID)
	if err != nil {
		return nil, err
	}
	t := &trained{version: st.Version, signals: sigs, dismissed: map[paper.ID]bool{}, papers: map[paper.ID]signalled{}}
	var missing []paper.ID
	for _, sg := range sigs {
		if sg.Kind.OnPaper() {
			if k, ok := known[sg.Paper]; ok {
				t.papers[sg.Paper] = k
			} else {
				missing = append(missing, sg.Paper)
			}
		}
	}
	for _, id := range shown {
		if _, ok := t.papers[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		items, titles, err := s.paperItems(ctx, missing)
		if err != nil {
			return nil, err
		}
		for id, it := range items {
			t.papers[id] = signalled{item: it, title: titles[id]}
		}
	}
	item := func(id paper.ID) *Item { return t.papers[id].item }
	in := Input{Cats: map[int32]float64{}, Authors: map[int32]float64{}}
	seen := map[paper.ID]bool{}
	for _, sg := range sigs {
		switch {
		case sg.Kind == store.SignalSeedCategory || sg.Kind == store.SignalFollowCategory:
			s.followCategory(in.Cats, sg.Subject)
		case sg.Kind == store.SignalSeedAuthor || sg.Kind == store.SignalFollowAuthor:
			in.Authors[s.feats.Authors.ID(sg.Subject)] = 1
		case item(sg.Paper) == nil || seen[sg.Paper]:
			// A paper hidden or gone since, or a second signal on one
			// paper (an upvote and "More like this"): the first counts.
		case sg.Kind == store.SignalNotInterested:
			seen[sg.Paper] = true
			t.dismissed[sg.Paper] = true
			in.Disliked = append(in.Disliked, Example{Item: item(sg.Paper), Weight: 1})
		default:
			wt, ok := signalWeight[sg.Kind]
			if !ok {
				continue
			}
			seen[sg.Paper] = true
			t.dismissed[sg.Paper] = true
			in.Liked = append(in.Liked, Example{Item: item(sg.Paper), Weight: wt})
			t.liked = append(t.liked, likedPaper{id: sg.Paper, title: t.papers[sg.Paper].title, kind: sg.Kind})
		}
	}
	if len(in.Liked) == 0 && len(in.Disliked) == 0 && len(in.Cats) == 0 && len(in.Authors) == 0 {
		return t, nil
	}
	for _, id := range shown {
		if it := item(id); it != nil && !seen[id] {
			in.Background = append(in.Background, it)
		}
	}
	// The rest of the background: papers of the widest window, sampled
	// with the reader's own seed so that training again on the same
	// signals gives the same model.
	h := fnv.New64a()
	fmt.Fprint(h, userID)
	in.Seed = h.Sum64()
	w, err := s.window(ctx, Windows[len(Windows)-1])
	if err != nil {
		return nil, err
	}
	if len(w.items) > 0 {
		rng := rand.New(rand.NewPCG(in.Seed, 3))
		for _, i := range sampleBackground(rng, len(w.items), backgroundSize) {
			if !seen[w.papers[i].Paper.ID] {
				in.Background = append(in.Background, w.items[i])
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.model = Train(in)
	return t, nil
}

// paperItems gives the features of papers (and their titles), from the
// windows' or the service's cache when it has them, else read and made.
func (s *Service) paperItems(ctx context.Context, ids []paper.ID) (map[paper.ID]*Item, map[paper.ID]string, error) {
	items := make(map[paper.ID]*Item, len(ids))
	titles := make(map[paper.ID]string, len(ids))
	var missing []paper.ID
	s.mu.Lock()
	for _, id := range ids {
		if it, ok := s.items[id]; ok {
			items[id] = it
		} else if m, ok := s.made[id]; ok {
			items[id] = m.item
		} else {
			missing = append(missing, id)
		}
	}
	s.mu.Unlock()
	// Titles come with the papers; read all (one query), make what is missing.
	ps, err := s.st.PapersOnFeed(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	need := map[paper.ID]bool{}
	for _, id := range missing {
		need[id] = true
	}
	made := map[paper.ID]*Item{}
	for _, p := range ps {
		titles[p.Paper.ID] = p.Paper.Title
		if need[p.Paper.ID] {
			it := s.feats.Item(search.DocFromPaper(&p.Paper), s.vector(p.Paper.ID))
			items[p.Paper.ID] = it
			made[p.Paper.ID] = it
		}
	}
	s.mu.Lock()
	if len(s.items)+len(made) > maxItems {
		clear(s.items)
	}
	for id, it := range made {
		s.items[id] = it
	}
	s.mu.Unlock()
	return items, titles, nil
}

// vector is a paper's stored embedding, unit length, or nil.
func (s *Service) vector(id paper.ID) []float32 {
	vs := s.ix.Vectors()
	if vs == nil {
		return nil
	}
	v := vs.Vector(id)
	if v != nil {
		embed.Normalize(v)
	}
	return v
}

// keepWindows makes the windows' features before a request asks for
// them: as soon as the search index is ready (their term weights need
// its statistics), then every windowTTL. Requests meanwhile are told
// the ranking is being prepared.
func (s *Service) keepWindows() {
	defer s.busy.Done()
	tick := time.NewTicker(readyPoll)
	for !s.ix.Ready() {
		select {
		case <-s.ctx.Done():
			tick.Stop()
			return
		case <-tick.C:
		}
	}
	tick.Stop()
	for {
		l := s.startLoad()
		select {
		case <-s.ctx.Done():
			return
		case <-l.done:
		}
		wait := windowTTL
		if l.err != nil {
			wait = windowRetry
		}
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// loading is a read of the windows: done is closed when it ends, err
// set before.
type loading struct {
	done chan struct{}
	err  error
}

// startLoad starts reading the windows unless a read is under way, and
// returns it.
func (s *Service) startLoad() *loading {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.load != nil {
		return s.load
	}
	l := &loading{done: make(chan struct{})}
	if err := s.ctx.Err(); err != nil {
		l.err = err
		close(l.done)
		return l
	}
	s.load = l
	s.busy.Add(1)
	s.pending.Add(1)
	go func() {
		defer s.busy.Done()
		defer s.pending.Add(-1)
		l.err = s.loadWindows(s.ctx)
		if l.err != nil && s.ctx.Err() == nil {
			s.log.Warn("recommend: reading the windows' papers", "err", l.err)
		}
		s.mu.Lock()
		s.load = nil
		s.mu.Unlock()
		close(l.done)
	}()
	return l
}

// loaded is the window of days as last read, or nil before it is; a
// read starts then if none is under way.
func (s *Service) loaded(days int) *window {
	s.mu.Lock()
	w := s.windows[days]
	s.mu.Unlock()
	if w == nil {
		s.startLoad()
	}
	return w
}

// window returns the window of days, waiting for it to be read if it
// was not yet: for the background jobs, never for a request.
func (s *Service) window(ctx context.Context, days int) (*window, error) {
	for {
		if w := s.loaded(days); w != nil {
			return w, nil
		}
		l := s.startLoad()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-l.done:
		}
		if l.err != nil {
			return nil, l.err
		}
	}
}

// maxWindow bounds a window's papers: a month of all of arXiv is about
// 25,000; more would not be featurised and scored within seconds.
const maxWindow = 30000

// loadWindows reads every window's papers, the feed's and the
// catalogue's alike, and makes their features, reusing those of the
// last read for papers that did not change; the windows are swapped in
// together. The windows end today or, on a site that has not harvested
// for a while, on its newest day, so that it still ranks its last days
// of papers.
func (s *Service) loadWindows(ctx context.Context) error {
	to := s.now().UTC().Format(time.DateOnly)
	newest, err := s.st.NewestDay(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		newest = to
	case err != nil:
		return err
	}
	to = min(to, newest)
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := s.made
	s.mu.Unlock()
	made := map[paper.ID]madeItem{}
	wins := map[int]*window{}
	// Widest first: the narrower windows' papers are among its.
	for _, days := range slices.Backward(Windows) {
		w := &window{days: days, built: s.now(), to: to, from: end.AddDate(0, 0, 1-days).Format(time.DateOnly)}
		if err := s.readWindow(ctx, w, old, made); err != nil {
			return err
		}
		wins[days] = w
	}
	s.mu.Lock()
	s.windows, s.made = wins, made
	s.mu.Unlock()
	return nil
}

// readWindow reads w's papers and gives them their features: from made
// (this read's), from old (the last read's) when the paper did not
// change and its embedding did not arrive since, else made anew, on
// every core.
func (s *Service) readWindow(ctx context.Context, w *window, old, made map[paper.ID]madeItem) error {
	ps, err := s.st.WindowPapers(ctx, w.from, w.to, maxWindow)
	if err != nil {
		return err
	}
	papers := make([]store.FeedItem, len(ps))
	index := make(map[paper.ID]int, len(ps))
	for i, p := range ps {
		papers[i] = store.FeedItem{Paper: p}
		index[p.ID] = i
	}
	feed, err := s.st.Feed(ctx, store.FeedQuery{From: w.from, To: w.to, Limit: 100000})
	if err != nil {
		return err
	}
	for _, it := range feed {
		if i, ok := index[it.Paper.ID]; ok {
			papers[i] = it // with its feed entry
			continue
		}
		index[it.Paper.ID] = len(papers)
		papers = append(papers, it)
	}
	w.papers, w.index = papers, index
	w.items = make([]*Item, len(papers))
	prints := make([]uint64, len(papers))
	var todo []int
	for i := range papers {
		p := &papers[i].Paper
		prints[i] = fingerprint(p)
		if m, ok := made[p.ID]; ok && m.print == prints[i] {
			w.items[i] = m.item
			continue
		}
		if m, ok := old[p.ID]; ok && m.print == prints[i] && (m.item.Vec != nil || !s.hasVector(p.ID)) {
			w.items[i] = m.item
			made[p.ID] = m
			continue
		}
		todo = append(todo, i)
	}
	var wg sync.WaitGroup
	workers := max(1, runtime.GOMAXPROCS(0))
	for k := range workers {
		wg.Go(func() {
			for n := k; n < len(todo); n += workers {
				if n%256 == k && ctx.Err() != nil {
					return
				}
				i := todo[n]
				w.items[i] = s.feats.Item(search.DocFromPaper(&papers[i].Paper), s.vector(papers[i].Paper.ID))
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, i := range todo {
		made[papers[i].Paper.ID] = madeItem{item: w.items[i], print: prints[i]}
	}
	return nil
}

// fingerprint hashes what a paper's features are made from.
func fingerprint(p *paper.Paper) uint64 {
	h := fnv.New64a()
	for _, s := range [][]string{{p.Title, p.Abstract}, p.Categories, p.AuthorNames()} {
		for _, x := range s {
			h.Write([]byte(x))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
	}
	return h.Sum64()
}

// hasVector reports whether the index holds the paper's embedding.
func (s *Service) hasVector(id paper.ID) bool {
	vs := s.ix.Vectors()
	return vs != nil && vs.Vector(id) != nil
}
