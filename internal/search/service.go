package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Store is what the search service needs of the store: the change feed
// its index follows, the vectors of the semantic side, and the papers'
// texts for phrase checks. It is declared here, where it is used, so that
// the store methods of other features do not reach this package; each
// method keeps the contract documented on store.Store, which satisfies it.
type Store interface {
	// Version and ChangedPapers are the change feed: Build reads all of
	// it, CatchUp what came after the cursor.
	Version(ctx context.Context) (int64, error)
	ChangedPapers(ctx context.Context, after store.Cursor, limit int) ([]store.ChangedPaper, error)
	// Stats tells a snapshot of another database by its paper count.
	Stats(ctx context.Context) (store.Stats, error)
	// PapersOnFeed reads results' texts, for phrase checks.
	PapersOnFeed(ctx context.Context, ids []paper.ID) ([]store.FeedItem, error)
	// MissingVectors and PutVectors embed the papers that need it;
	// ChangedVectors feeds the semantic index from what is stored.
	MissingVectors(ctx context.Context, model string, after store.Cursor, limit int) ([]store.EmbedTask, error)
	PutVectors(ctx context.Context, model string, vs []store.Vector) error
	ChangedVectors(ctx context.Context, model string, after int64, limit int) ([]store.Vector, error)
}

// Service keeps an index in step with the store and answers searches.
// The store is the source of truth: the index is built from its change
// feed and follows it, so a paper stored by any process becomes
// searchable at the next poll.
type Service struct {
	st  Store
	log *slog.Logger

	mu      sync.Mutex // serialises catching up
	ix      atomic.Pointer[Index]
	cursor  store.Cursor
	version int64 // the store version the index has caught up with
	// shown is version for Status, which must not wait for mu while a
	// build holds it.
	shown   atomic.Int64
	ready   atomic.Bool
	sem     *semantic // nil: lexical search only
	similar *similarCache
	now     func() time.Time // the clock of the similar cache, for tests
}

// NewService returns a service with an empty index; call Build.
func NewService(st Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{st: st, log: log, similar: newSimilarCache(), now: time.Now}
	s.ix.Store(NewIndex())
	return s
}

// Ready reports whether the first build has finished.
func (s *Service) Ready() bool { return s.ready.Load() }

// Len is the number of indexed papers.
func (s *Service) Len() int { return s.ix.Load().Len() }

// Status says how far the index has got, for metrics: whether it is
// ready, the papers it holds, the store version it has caught up with,
// and the papers with a vector in its semantic index (-1 without one).
// It takes no lock, so a scrape never waits for a build.
func (s *Service) Status() (ready bool, papers int, version int64, vectors int) {
	vectors = -1
	if s.sem != nil {
		vectors = 0
		if v := s.Vectors(); v != nil {
			vectors = v.Len()
		}
	}
	return s.ready.Load(), s.Len(), s.shown.Load(), vectors
}

// pageSize is how many papers one read of the change feed returns.
const feedPage = 2000

// Build (re)builds the index from the whole store and swaps it in. Papers
// are analysed on every core while the store is read; progress, when
// non-nil, is called with the number of papers indexed so far.
func (s *Service) Build(ctx context.Context, progress func(int)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	version, err := s.st.Version(ctx)
	if err != nil {
		return err
	}
	ix := NewBuildIndex()
	pages := make(chan []store.ChangedPaper, 4)
	analysed := make(chan []analyzed, 4)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var readErr error
	var last store.Cursor
	go func() {
		defer close(pages)
		for c := (store.Cursor{}); ; {
			page, err := s.st.ChangedPapers(ctx, c, feedPage)
			if err != nil {
				readErr = err
				return
			}
			if len(page) == 0 {
				return
			}
			c = page[len(page)-1].Cursor
			last = c
			select {
			case pages <- page:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < max(1, runtime.GOMAXPROCS(0)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := newAnalyzer()
			for page := range pages {
				batch := make([]analyzed, len(page))
				for i := range page {
					batch[i] = a.analyze(DocFromPaper(&page[i].Paper))
				}
				select {
				case analysed <- batch:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(analysed) }()
	n := 0
	for batch := range analysed {
		ix.addAnalyzed(batch)
		n += len(batch)
		if progress != nil {
			progress(n)
		}
	}
	if readErr != nil {
		return fmt.Errorf("search: build: %w", readErr)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ix.Finalize()
	s.ix.Store(ix)
	s.similar.clear()
	s.cursor, s.version = last, version
	s.shown.Store(version)
	// Vectors are read again from the store, not embedded again.
	if _, err := s.loadVectors(ctx, true); err != nil {
		return err
	}
	s.ready.Store(true)
	return nil
}

// CatchUp indexes what changed in the store since the last build or
// catch-up and reports how many papers it indexed.
func (s *Service) CatchUp(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	version, err := s.st.Version(ctx)
	if err != nil {
		return 0, err
	}
	nv, err := s.loadVectors(ctx, false)
	if err != nil {
		return 0, err
	}
	if version == s.version {
		return nv, nil
	}
	ix := s.ix.Load()
	n := 0
	for {
		page, err := s.st.ChangedPapers(ctx, s.cursor, feedPage)
		if err != nil {
			return n, fmt.Errorf("search: catch up: %w", err)
		}
		if len(page) == 0 {
			break
		}
		docs := make([]Doc, len(page))
		for i := range page {
			docs[i] = DocFromPaper(&page[i].Paper)
		}
		ix.Add(docs...)
		s.cursor = page[len(page)-1].Cursor
		n += len(page)
	}
	s.version = version
	s.shown.Store(version)
	// Updated papers leave dead documents behind that skew idf; past a
	// tenth of the index, compacting costs less than the drift.
	if ix.deadShare() > 0.1 {
		ix.Compact()
	}
	return n + nv, nil
}

// Follow catches up every interval until ctx ends. Errors are logged and
// retried at the next tick: a search index a little behind is better
// than none.
func (s *Service) Follow(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := s.CatchUp(ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Warn("search index could not catch up", "err", err)
		} else if n > 0 {
			s.log.Debug("search index caught up", "papers", n)
		}
	}
}

// Save writes a snapshot of the index to path, so that the next start
// loads it and catches up instead of rebuilding.
func (s *Service) Save(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ready.Load() {
		return errors.New("search: nothing to save before the first build")
	}
	s.removeStaleTemps(path)
	return s.ix.Load().writeSnapshot(path, s.cursor, s.version)
}

// removeStaleTemps removes what killed writers of snapshots beside path
// left behind. Failing to is worth a warning, not a failed start.
func (s *Service) removeStaleTemps(path string) {
	removed, err := removeStaleTemps(filepath.Dir(path))
	for _, name := range removed {
		s.log.Info("removed a search index snapshot left half-written", "file", name)
	}
	if err != nil {
		s.log.Warn("could not remove stale search index temporary files", "err", err)
	}
}

// Load reads a snapshot saved by Save and catches up with the store. When
// the snapshot is missing, damaged, or from another database (ahead of the
// store, or not matching its paper count after catching up), it returns
// an error wrapping ErrNoSnapshot and the caller builds instead.
func (s *Service) Load(ctx context.Context, path string) error {
	s.removeStaleTemps(path)
	ix, cursor, version, err := readSnapshot(path)
	if err != nil {
		return err
	}
	current, err := s.st.Version(ctx)
	if err != nil {
		return err
	}
	if version > current {
		return fmt.Errorf("%w: the snapshot is newer than the database (version %d > %d)", ErrNoSnapshot, version, current)
	}
	s.mu.Lock()
	s.ix.Store(ix)
	s.similar.clear()
	s.cursor, s.version = cursor, version
	s.shown.Store(version)
	s.mu.Unlock()
	if _, err := s.CatchUp(ctx); err != nil {
		return err
	}
	stats, err := s.st.Stats(ctx)
	if err != nil {
		return err
	}
	if n := s.Len(); stats.Papers != n {
		s.ix.Store(NewIndex())
		return fmt.Errorf("%w: it holds %d papers, the database %d", ErrNoSnapshot, n, stats.Papers)
	}
	s.ready.Store(true)
	return nil
}

// Open makes the index ready: from the snapshot at path when it is usable,
// else by building from the store and saving a new snapshot. It reports
// whether it had to build.
func (s *Service) Open(ctx context.Context, path string, progress func(int)) (built bool, err error) {
	err = s.Load(ctx, path)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, ErrNoSnapshot) {
		return false, err
	}
	if err != ErrNoSnapshot { // a snapshot was there but could not be used
		s.log.Warn("search index snapshot not used; rebuilding", "reason", err)
	}
	if err := s.Build(ctx, progress); err != nil {
		return true, err
	}
	return true, s.Save(path)
}

// Search parses and runs a query in a mode; k results from offset. When
// the query cannot be embedded (no embedder, no vectors yet, the
// embeddings server failing), it is ranked lexically and a note says so
// unless the mode asked was lexical.
func (s *Service) Search(ctx context.Context, raw string, mode Mode, k, offset int) (*Query, Result, error) {
	q, err := ParseQuery(raw)
	if err != nil {
		return q, Result{}, err
	}
	sem := s.semanticQuery(ctx, q, mode)
	res, err := s.ix.Load().SearchMode(ctx, q, sem, k, offset, s.text)
	return q, res, err
}

// semanticQuery prepares the semantic side of a search, if there is one.
func (s *Service) semanticQuery(ctx context.Context, q *Query, mode Mode) SemanticQuery {
	if mode == Lexical || q.Meaning == "" {
		return SemanticQuery{}
	}
	vecs := s.Vectors()
	if vecs == nil {
		if s.sem != nil {
			q.Notes = append(q.Notes, "semantic ranking is not ready yet (papers are being embedded); results are by words only")
		}
		return SemanticQuery{}
	}
	v, err := s.queryVector(ctx, q.Meaning)
	if err != nil {
		s.log.Warn("query not embedded; ranking by words only", "err", err)
		q.Notes = append(q.Notes, "semantic ranking is unavailable right now; results are by words only")
		return SemanticQuery{}
	}
	return SemanticQuery{Vec: v, Vectors: vecs, Weight: mode.WeightFor(s.sem.emb), Agree: mode.AgreeFor(s.sem.emb)}
}

// text reads papers' texts from the store in one go, for phrase checks.
func (s *Service) text(ctx context.Context, ids []paper.ID) ([]Doc, error) {
	items, err := s.st.PapersOnFeed(ctx, ids)
	if err != nil {
		return nil, err
	}
	docs := make([]Doc, len(items))
	for i := range items {
		docs[i] = DocFromPaper(&items[i].Paper)
	}
	return docs, nil
}

// similarDepth is how many of each ranking Similar fuses.
const similarDepth = fuseDepth

// similarWords is how many of the query's strongest words find Similar's
// lexical candidates; all similarQueryWords score them. Half the words
// take half the time, and by a judge independent of the ranking (the
// hosted feed's key phrases, BenchmarkSimilarQuality) the lists are as
// good: 1.154 against 1.142 with all 24, a paired difference of 0.012
// (standard error 0.008), six random papers 0.137.
const similarWords = 12

// similarQueryWords is how many of a paper's most distinctive words make
// the query of its similar papers.
const similarQueryWords = 24

// Similar finds papers like p: its most distinctive title and abstract
// terms (by tf·idf) make the query, and p itself is left out. Answers are
// kept for similarTTL (similar_cache.go).
func (s *Service) Similar(ctx context.Context, p *paper.Paper, k int) ([]Hit, error) {
	// A list ranked by words alone (the paper not embedded yet) is not
	// kept in place of one with meaning once there is a vector.
	vec := s.paperVector(p.ID)
	key := similarKeyOf(p, k, vec != nil)
	if hits, ok := s.similar.get(key, s.now()); ok {
		return hits, nil
	}
	hits, err := s.rankSimilar(ctx, p, vec, k, similarDepth, similarWords)
	if err == nil {
		s.similar.put(key, hits, s.now())
	}
	return hits, err
}

// paperVector is a paper's vector, or nil when it has none (yet).
func (s *Service) paperVector(id paper.ID) []float32 {
	if vecs := s.Vectors(); vecs != nil {
		return vecs.Vector(id)
	}
	return nil
}

// SimilarWarmEvery is how often a site should WarmSimilar the papers
// people open most: well within similarTTL, so that what was warmed is
// still kept when it is warmed again.
const SimilarWarmEvery = similarTTL / 2

// WarmSimilar ranks the k similar papers of each of ps afresh and keeps
// them, kept lists included, so that their pages do not wait for a
// ranking (tens of milliseconds at millions of papers) on their next
// view. It returns how many it ranked, and stops at ctx's end.
func (s *Service) WarmSimilar(ctx context.Context, ps []paper.Paper, k int) (int, error) {
	for i := range ps {
		if err := ctx.Err(); err != nil {
			return i, err
		}
		vec := s.paperVector(ps[i].ID)
		hits, err := s.rankSimilar(ctx, &ps[i], vec, k, similarDepth, similarWords)
		if err != nil {
			return i, err
		}
		s.similar.put(similarKeyOf(&ps[i], k, vec != nil), hits, s.now())
	}
	return len(ps), nil
}

// SimilarAtDepth ranks papers like p as Similar does but fusing the top
// depth of each ranking, and without the cache: for measuring what the
// depth costs and changes (BenchmarkSimilarDepth).
func (s *Service) SimilarAtDepth(ctx context.Context, p *paper.Paper, k, depth int) ([]Hit, error) {
	return s.rankSimilar(ctx, p, s.paperVector(p.ID), k, depth, similarWords)
}

// SimilarFromWords is Similar finding its lexical candidates with the
// query's words strongest words (all when words is 0; Similar uses
// similarWords), and without the cache: for measuring what the number
// costs and changes (BenchmarkSimilarDepth, BenchmarkSimilarQuality).
func (s *Service) SimilarFromWords(ctx context.Context, p *paper.Paper, k, words int) ([]Hit, error) {
	return s.rankSimilar(ctx, p, s.paperVector(p.ID), k, similarDepth, words)
}

// rankSimilar ranks papers like p, by meaning too when vec (p's vector)
// is not nil.
func (s *Service) rankSimilar(ctx context.Context, p *paper.Paper, vec []float32, k, depth, candWords int) ([]Hit, error) {
	ix := s.ix.Load()
	q := ix.moreLikeThis(DocFromPaper(p), similarQueryWords)
	if len(q.Words) == 0 {
		return nil, nil
	}
	// The paper's own vector is the semantic side of the query.
	var sem SemanticQuery
	if vec != nil {
		q.Meaning = p.Title
		sem = SemanticQuery{Vec: vec, Vectors: s.Vectors(), Weight: Hybrid.WeightFor(s.sem.emb), Agree: Hybrid.AgreeFor(s.sem.emb)}
	}
	var candQ *Query
	if candWords > 0 && candWords < len(q.Words) {
		candQ = &Query{Words: q.Words[:candWords]}
	}
	res, err := ix.searchMode(ctx, q, sem, k+1, 0, nil, depth, candQ)
	if err != nil {
		return nil, err
	}
	hits := res.Hits[:0]
	for _, h := range res.Hits {
		if h.ID != p.ID && len(hits) < k {
			hits = append(hits, h)
		}
	}
	return hits, nil
}
