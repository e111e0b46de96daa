package recommend

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// Collection is a recommendation test collection: a corpus of papers,
// readers with the papers they liked and the ones they went on to like
// (the test), and a window of dates whose papers are ranked for each
// reader. See scripts/arxiv-recs-collection.py for how the development
// one is built.
type Collection struct {
	Papers []CollectionPaper
	Users  []CollectionUser
	// From and To bound the window (YYYY-MM-DD, both included).
	From, To string
	// Window holds the indices of the papers created in the window.
	Window []int
}

// CollectionPaper is one corpus paper (corpus.jsonl).
type CollectionPaper struct {
	ID         string   `json:"_id"`
	Title      string   `json:"title"`
	Text       string   `json:"text"`
	Categories []string `json:"categories"`
	Created    string   `json:"created"`
}

// CollectionUser is one reader (users.jsonl): Liked and Test index Papers.
type CollectionUser struct {
	ID          string
	Liked, Test []int
}

// LoadCollection reads a collection from dir: corpus.jsonl, users.jsonl
// and window.json. Liked or test ids missing from the corpus are an
// error, as is a reader with nothing liked.
func LoadCollection(dir string) (*Collection, error) {
	c := &Collection{}
	index := map[string]int{}
	err := eachLine(filepath.Join(dir, "corpus.jsonl"), func(line []byte) error {
		var p CollectionPaper
		if err := json.Unmarshal(line, &p); err != nil {
			return err
		}
		if _, dup := index[p.ID]; dup || p.ID == "" {
			return fmt.Errorf("paper id %q empty or repeated", p.ID)
		}
		index[p.ID] = len(c.Papers)
		c.Papers = append(c.Papers, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, "window.json"))
	if err != nil {
		return nil, err
	}
	var w struct{ From, To string }
	if err := json.Unmarshal(data, &w); err != nil || w.From == "" || w.To == "" || w.From > w.To {
		return nil, fmt.Errorf("%s: want {\"from\": YYYY-MM-DD, \"to\": YYYY-MM-DD} (%v)", filepath.Join(dir, "window.json"), err)
	}
	c.From, c.To = w.From, w.To
	for i, p := range c.Papers {
		if p.Created >= c.From && p.Created <= c.To {
			c.Window = append(c.Window, i)
		}
	}
	err = eachLine(filepath.Join(dir, "users.jsonl"), func(line []byte) error {
		var u struct {
			User        string
			Liked, Test []string
		}
		if err := json.Unmarshal(line, &u); err != nil {
			return err
		}
		cu := CollectionUser{ID: u.User}
		for _, l := range [...]struct {
			ids []string
			dst *[]int
		}{{u.Liked, &cu.Liked}, {u.Test, &cu.Test}} {
			for _, id := range l.ids {
				i, ok := index[id]
				if !ok {
					return fmt.Errorf("user %q: paper %q is not in the corpus", u.User, id)
				}
				*l.dst = append(*l.dst, i)
			}
		}
		if len(cu.Liked) == 0 {
			return fmt.Errorf("user %q likes nothing", u.User)
		}
		c.Users = append(c.Users, cu)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(c.Window) == 0 || len(c.Users) == 0 {
		return nil, fmt.Errorf("collection %s: %d papers in the window, %d users", dir, len(c.Window), len(c.Users))
	}
	return c, nil
}

func eachLine(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	return sc.Err()
}

// Ranker ranks candidate papers (indices into the collection's Papers)
// for a reader who liked the papers liked, best first; it returns at
// least the best k (all when fewer). It is called from several
// goroutines at once.
type Ranker interface {
	Rank(liked, candidates []int, k int) []int
}

// Scores are a recommender's figures on a collection.
type Scores struct {
	NDCG10, Recall50 float64
	Users            int
	// PerUser are the scored readers' own figures, in the collection's
	// order, so that two runs can be compared reader by reader.
	PerUser []UserScore
}

// UserScore is one reader's figures.
type UserScore struct {
	User             string
	NDCG10, Recall50 float64
}

// String is the line eval prints last.
func (s Scores) String() string {
	return fmt.Sprintf("nDCG@10=%.4f Recall@50=%.4f users=%d", s.NDCG10, s.Recall50, s.Users)
}

// Evaluate ranks the window (minus what each reader liked) for every
// reader and scores it against their test papers in the window: nDCG@10
// with binary relevance and Recall@50, averaged over readers with a test
// paper among their candidates.
func (c *Collection) Evaluate(ctx context.Context, r Ranker, progress func(done int)) (Scores, error) {
	results := make([]*userScore, len(c.Users))
	inWindow := make([]bool, len(c.Papers))
	for _, i := range c.Window {
		inWindow[i] = true
	}
	var (
		wg   sync.WaitGroup
		next = make(chan int)
		mu   sync.Mutex
		done int
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for u := range next {
				results[u] = c.evaluateUser(c.Users[u], inWindow, r)
				mu.Lock()
				done++
				if progress != nil {
					progress(done)
				}
				mu.Unlock()
			}
		})
	}
	for u := range c.Users {
		if ctx.Err() != nil {
			break
		}
		next <- u
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Scores{}, err
	}
	var s Scores
	for u, res := range results {
		if res != nil {
			s.NDCG10 += res.ndcg
			s.Recall50 += res.recall
			s.Users++
			s.PerUser = append(s.PerUser, UserScore{c.Users[u].ID, res.ndcg, res.recall})
		}
	}
	if s.Users > 0 {
		s.NDCG10 /= float64(s.Users)
		s.Recall50 /= float64(s.Users)
	}
	return s, nil
}

// userScore is one reader's figures.
type userScore struct{ ndcg, recall float64 }

func (c *Collection) evaluateUser(u CollectionUser, inWindow []bool, r Ranker) *userScore {
	liked := map[int]bool{}
	for _, i := range u.Liked {
		liked[i] = true
	}
	test := map[int]bool{}
	for _, i := range u.Test {
		if inWindow[i] && !liked[i] {
			test[i] = true
		}
	}
	if len(test) == 0 {
		return nil
	}
	cands := make([]int, 0, len(c.Window))
	for _, i := range c.Window {
		if !liked[i] {
			cands = append(cands, i)
		}
	}
	ranked := r.Rank(u.Liked, cands, 50)
	var dcg, idcg float64
	hits := 0
	for pos, i := range ranked[:min(50, len(ranked))] {
		if test[i] {
			hits++
			if pos < 10 {
				dcg += 1 / math.Log2(float64(pos)+2)
			}
		}
	}
	for pos := range min(10, len(test)) {
		idcg += 1 / math.Log2(float64(pos)+2)
	}
	return &userScore{dcg / idcg, float64(hits) / float64(len(test))}
}
