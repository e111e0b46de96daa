package search

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dailypapers/dailypapers/internal/embed"
	"github.com/dailypapers/dailypapers/internal/store"
)

// semantic is the service's semantic side: the embedder, the vectors of
// its model, and the position in the store's vector feed.
type semantic struct {
	emb embed.Embedder

	mu   sync.Mutex              // serialises following the vector feed
	vecs atomic.Pointer[Vectors] // nil until the first vector is known (its length)
	seq  int64

	cacheMu sync.Mutex
	cache   map[string][]float32 // query embeddings

	embedMu  sync.Mutex   // one embedding pass at a time
	embedded store.Cursor // papers up to here have current vectors
}

// queryCacheSize bounds the cache of query embeddings; a full cache is
// dropped whole (cheap, and popular queries come back at once).
const queryCacheSize = 4096

// queryEmbedTimeout bounds embedding a query; a slow embedder costs the
// search its semantic side, not its answer.
const queryEmbedTimeout = 2 * time.Second

// UseEmbedder turns on semantic ranking with emb; call it before Open or
// Build. Vectors are read from the store, and EmbedMissing makes those
// that are missing.
func (s *Service) UseEmbedder(emb embed.Embedder) {
	s.sem = &semantic{emb: emb, cache: map[string][]float32{}}
}

// Semantic reports whether semantic ranking is configured.
func (s *Service) Semantic() bool { return s.sem != nil }

// Vectors is the semantic index, nil when there is none yet.
func (s *Service) Vectors() *Vectors {
	if s.sem == nil {
		return nil
	}
	return s.sem.vecs.Load()
}

// vectorPage is how many vectors one read of the vector feed returns.
const vectorPage = 4096

// loadVectors loads the vectors stored since the last call, or all of
// them into a new vector index when fresh. A new index replaces the old
// one only once it is loaded and clustered, so that searches never wait
// for a load (seconds at millions of papers).
func (s *Service) loadVectors(ctx context.Context, fresh bool) (int, error) {
	sem := s.sem
	if sem == nil {
		return 0, nil
	}
	sem.mu.Lock()
	defer sem.mu.Unlock()
	model := sem.emb.Name()
	vecs, seq := sem.vecs.Load(), sem.seq
	if fresh {
		vecs, seq = nil, 0
	}
	n := 0
	for {
		page, err := s.st.ChangedVectors(ctx, model, seq, vectorPage)
		if err != nil {
			return n, fmt.Errorf("search: vectors: %w", err)
		}
		if len(page) == 0 {
			break
		}
		if vecs == nil {
			vecs = NewVectors(model, len(page[0].Vec))
		}
		for _, v := range page {
			if !vecs.Put(v.ID, v.Vec) {
				s.log.Warn("vector of the wrong length ignored", "paper", v.ID, "model", model,
					"length", len(v.Vec), "want", vecs.Dim())
			}
		}
		seq = page[len(page)-1].Seq
		n += len(page)
	}
	if vecs != nil && n > 0 { // clustering takes the write lock: only when vectors came
		vecs.Cluster(false)
	}
	if vecs != nil || fresh {
		sem.vecs.Store(vecs)
	}
	sem.seq = seq
	return n, nil
}

// embedBatch is how many papers are embedded and stored together.
const embedBatch = 256

// EmbedMissing embeds the papers that have no current vector of the
// embedder's model and stores the vectors, until none is left or ctx
// ends; it reports how many it stored. progress, when non-nil, gets the
// running count. It reads the change feed from where the last call
// stopped: a new or changed paper always comes after it.
func (s *Service) EmbedMissing(ctx context.Context, progress func(int)) (int, error) {
	sem := s.sem
	if sem == nil {
		return 0, nil
	}
	sem.embedMu.Lock()
	defer sem.embedMu.Unlock()
	model := sem.emb.Name()
	n := 0
	for {
		tasks, err := s.st.MissingVectors(ctx, model, sem.embedded, embedBatch)
		if err != nil || len(tasks) == 0 {
			return n, err
		}
		texts := make([]string, len(tasks))
		for i, t := range tasks {
			texts[i] = EmbedText(Doc{Title: t.Title, Abstract: t.Abstract})
		}
		out, err := sem.emb.Embed(ctx, texts)
		if err != nil {
			return n, fmt.Errorf("search: embedding papers: %w", err)
		}
		vs := make([]store.Vector, len(tasks))
		for i, t := range tasks {
			vs[i] = store.Vector{ID: t.ID, Rev: t.Rev, Vec: out[i]}
		}
		if err := s.st.PutVectors(ctx, model, vs); err != nil {
			return n, err
		}
		sem.embedded = tasks[len(tasks)-1].Cursor
		n += len(vs)
		if progress != nil {
			progress(n)
		}
	}
}

// FollowEmbedding embeds new and changed papers every interval until ctx
// ends, looking for work only when the store has changed. Failures (an
// embeddings server that is down) are logged and retried with backoff up
// to a few minutes.
func (s *Service) FollowEmbedding(ctx context.Context, every time.Duration) {
	if s.sem == nil {
		return
	}
	var done int64 = -1 // the store version with nothing left to embed
	wait := every
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		version, err := s.st.Version(ctx)
		if err != nil || version == done {
			continue
		}
		n, err := s.EmbedMissing(ctx, nil)
		switch {
		case errors.Is(err, context.Canceled):
			return
		case err != nil:
			wait = min(max(2*wait, time.Second), 5*time.Minute)
			s.log.Warn("embedding papers failed; retrying", "err", err, "in", wait.String(), "stored", n)
		default:
			wait, done = every, version
			if n > 0 {
				s.log.Info("papers embedded", "papers", n, "model", s.sem.emb.Name())
			}
		}
	}
}

// queryVector embeds a query's meaning, from the cache when it can.
func (s *Service) queryVector(ctx context.Context, meaning string) ([]float32, error) {
	sem := s.sem
	sem.cacheMu.Lock()
	v, ok := sem.cache[meaning]
	sem.cacheMu.Unlock()
	if ok {
		return v, nil
	}
	ctx, cancel := context.WithTimeout(ctx, queryEmbedTimeout)
	defer cancel()
	out, err := sem.emb.Embed(ctx, []string{meaning})
	if err != nil {
		return nil, err
	}
	sem.cacheMu.Lock()
	if len(sem.cache) >= queryCacheSize {
		clear(sem.cache)
	}
	sem.cache[meaning] = out[0]
	sem.cacheMu.Unlock()
	return out[0], nil
}
