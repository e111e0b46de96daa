package recommend

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"math/rand/v2"
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
	// maxReaders bounds the cached reader models; past it the cache is
	// dropped whole and refills with the readers who come back.
	maxReaders = 20000
	// maxItems bounds the cached features of papers outside the windows
	// (what readers gave signals on).
	maxItems = 100000
	// shownNegatives is how many papers of a reader's last page, passed
	// over, count as negatives when their model is trained again.
	shownNegatives = 20
	// trainers bounds the readers' models trained at once in a process:
	// training is the costly part (a second of CPU for 500 signals) and
	// runs beside the requests, which must keep their cores.
	trainers = 2
)

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
// days, the window's papers with their features ready, and per reader
// the trained model and the ranking it gave, stamped with the reader's
// signal version in the store: each request reads that version (one
// indexed row) and, when it moved, starts training the model again in
// the background and serves the model it has meanwhile, so no request
// pays for training and a signal given through any process ranks
// through every process within the seconds a training takes.
type Service struct {
	st    Store
	ix    Index
	feats *Features
	log   *slog.Logger
	now   func() time.Time

	// ctx ends the background trainings (Close); trainers holds a place
	// for each one running, busy counts those started and not done.
	ctx      context.Context
	stop     context.CancelFunc
	trainers chan struct{}
	busy     sync.WaitGroup
	pending  atomic.Int64

	mu      sync.Mutex
	windows map[int]*window
	readers map[int64]*reader
	items   map[paper.ID]*Item
}

// NewService returns a service over the store and the search index;
// now is the clock (nil: time.Now).
func NewService(st Store, ix Index, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Service{st: st, ix: ix, feats: NewFeatures(ix), log: log, now: now, ctx: ctx, stop: stop,
		trainers: make(chan struct{}, trainers),
		windows:  map[int]*window{}, readers: map[int64]*reader{}, items: map[paper.ID]*Item{}}
}

// Close cancels the trainings under way and waits for them to end.
func (s *Service) Close() {
	s.stop()
	s.busy.Wait()
}

// WaitIdle waits until no training is under way or ctx ends: for tests,
// which then see the model a signal gave.
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
	days    int
	built   time.Time
	from    string // first day, YYYY-MM-DD
	to      string
	papers  []store.FeedItem
	items   []*Item
	index   map[paper.ID]int
	loading bool // a refresh is under way
}

// reader is a reader's cached model and rankings.
type reader struct {
	mu sync.Mutex
	// version is the reader's version in the store when the model was
	// trained (-1: never); training is set while one is under way.
	version  int64
	training bool
	model    *Model
	signals  []store.Signal
	// liked describes the model's positives, for reasons: by Example.
	liked   []likedPaper
	ranking map[*window][]int // window → item indices, best first
	shown   []paper.ID        // the top of the page last served
	// dismissed are the papers the reader gave a signal on: marked Not
	// interested, or known to them already (upvoted, asked more of,
	// picked). They are not recommended.
	dismissed map[paper.ID]bool
	// papers are the features and titles of the papers the last training
	// read, kept so the next one reads only the papers signalled since.
	papers map[paper.ID]signalled
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
	// no model trained from them yet (Preparing: one is being trained).
	// The caller shows trending and says so.
	Cold, Paused, Preparing bool
	// Stale is set when the ranking is by a model older than the
	// reader's newest signals: one is being trained from them, and a
	// request after it is done ranks by it.
	Stale bool
	// Signals is how many signals the model learnt from.
	Signals int
}

// Rank returns a page of the reader's ranking of the window of days.
func (s *Service) Rank(ctx context.Context, a store.Account, days, offset, limit int) (Result, error) {
	if !a.DisabledAt.IsZero() {
		return Result{}, ErrDisabled
	}
	if !s.ix.Ready() {
		return Result{}, ErrNotReady
	}
	w, err := s.window(ctx, days)
	if err != nil {
		return Result{}, err
	}
	res := Result{Total: len(w.items), From: w.from, To: w.to}
	r, st, err := s.reader(ctx, a.ID)
	if err != nil {
		return Result{}, err
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
	order, ok := r.ranking[w]
	if !ok {
		order = s.order(r.model, r.dismissed, w)
		if r.ranking == nil || len(r.ranking) > len(Windows) {
			r.ranking = map[*window][]int{}
		}
		r.ranking[w] = order
	}
	res.Total = len(order)
	if offset == 0 {
		r.shown = r.shown[:0]
	}
	for _, i := range order[min(offset, len(order)):min(offset+limit, len(order))] {
		res.Papers = append(res.Papers, Ranked{Item: w.papers[i], Reason: s.reason(r, w.items[i], w.papers[i].Paper)})
		if offset == 0 && len(r.shown) < shownNegatives {
			r.shown = append(r.shown, w.papers[i].Paper.ID)
		}
	}
	return res, nil
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
		r.version, r.model = 0, nil
	case !st.Paused:
		s.startTraining(userID, r)
	}
	return r, st, nil
}

// Signalled tells the service of a card's signal this process kept (on:
// given, else withdrawn): a paper given a signal leaves the ranking now,
// before the model has learnt from it, and the training starts at once
// (Changed).
func (s *Service) Signalled(userID int64, sg store.Signal, on bool) {
	r := s.changed(userID)
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if on && sg.Kind.OnPaper() && r.dismissed != nil && !r.dismissed[sg.Paper] {
		r.dismissed[sg.Paper] = true
		r.ranking = nil
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
	s.startTraining(userID, r)
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

// startTraining trains the reader's model in the background unless it
// is being trained already; r.mu is held. Trainings wait for one of the
// process's places, and end with the service.
func (s *Service) startTraining(userID int64, r *reader) {
	if r.training || s.ctx.Err() != nil {
		return
	}
	r.training = true
	shown, known := slices.Clone(r.shown), r.papers
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
			if err == nil {
				s.keepModel(userID, t)
			}
		}()
		select {
		case s.trainers <- struct{}{}:
			t, err = s.train(s.ctx, userID, shown, known)
			if err == nil && t.model != nil {
				// The windows the reader is reading are ranked here too,
				// so the request that finds the new model only pages it.
				r.mu.Lock()
				wins := slices.Collect(maps.Keys(r.ranking))
				r.mu.Unlock()
				t.ranking = map[*window][]int{}
				for _, w := range wins {
					t.ranking[w] = s.order(t.model, t.dismissed, w)
				}
			}
			<-s.trainers
		case <-s.ctx.Done():
			err = s.ctx.Err()
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
		if t.version > r.version {
			r.version, r.model, r.signals, r.liked, r.dismissed, r.papers = t.version, t.model, t.signals, t.liked, t.dismissed, t.papers
			r.ranking = t.ranking
		}
	}()
}

// trained is what a training gives, put in the reader's place at once.
type trained struct {
	version   int64
	model     *Model
	signals   []store.Signal
	liked     []likedPaper
	dismissed map[paper.ID]bool
	papers    map[paper.ID]signalled
	ranking   map[*window][]int
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

// window returns the papers of the last days with their features,
// reading them when there are none yet and refreshing them in the
// background when they are old.
func (s *Service) window(ctx context.Context, days int) (*window, error) {
	s.mu.Lock()
	w := s.windows[days]
	if w != nil {
		if s.now().Sub(w.built) > windowTTL && !w.loading {
			w.loading = true
			go func() {
				// Detached from the request, which will not wait for it.
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
				defer cancel()
				if _, err := s.loadWindow(ctx, days); err != nil {
					s.log.Warn("recommend: refreshing a window", "days", days, "err", err)
					s.mu.Lock()
					w.loading = false
					s.mu.Unlock()
				}
			}()
		}
		s.mu.Unlock()
		return w, nil
	}
	s.mu.Unlock()
	return s.loadWindow(ctx, days)
}

// maxWindow bounds a window's papers: a month of all of arXiv is about
// 25,000; more would not be read, featurised and scored within a
// request's budget.
const maxWindow = 30000

// loadWindow reads the window's papers, the feed's and the catalogue's
// alike, and makes their features. The window ends today or, on a site
// that has not harvested for a while, on its newest day, so that it
// still ranks its last days of papers.
func (s *Service) loadWindow(ctx context.Context, days int) (*window, error) {
	to := s.now().UTC().Format(time.DateOnly)
	newest, err := s.st.NewestDay(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		newest = to
	case err != nil:
		return nil, err
	}
	to = min(to, newest)
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, err
	}
	w := &window{days: days, built: s.now(), to: to, from: end.AddDate(0, 0, 1-days).Format(time.DateOnly)}
	ps, err := s.st.WindowPapers(ctx, w.from, w.to, maxWindow)
	if err != nil {
		return nil, err
	}
	papers := make([]store.FeedItem, len(ps))
	index := make(map[paper.ID]int, len(ps))
	for i, p := range ps {
		papers[i] = store.FeedItem{Paper: p}
		index[p.ID] = i
	}
	feed, err := s.st.Feed(ctx, store.FeedQuery{From: w.from, To: w.to, Limit: 100000})
	if err != nil {
		return nil, err
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
	var wg sync.WaitGroup
	const workers = 2
	for k := range workers {
		wg.Go(func() {
			for i := k; i < len(papers); i += workers {
				w.items[i] = s.feats.Item(search.DocFromPaper(&papers[i].Paper), s.vector(papers[i].Paper.ID))
			}
		})
	}
	wg.Wait()
	s.mu.Lock()
	s.windows[days] = w
	s.mu.Unlock()
	return w, nil
}
