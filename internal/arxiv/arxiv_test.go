package arxiv

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fakeClock stands in for time: sleeping records the duration and, when
// advance is set, moves the clock on instead of waiting.
type fakeClock struct {
	mu      sync.Mutex
	t       time.Time
	advance bool
	sleeps  []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: date("2026-05-01T12:00:00Z"), advance: true}
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	if f.advance {
		f.t = f.t.Add(d)
	}
	return ctx.Err()
}

func (f *fakeClock) recorded() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sleeps)
}

func newClient(srv *httptest.Server, clk *fakeClock) *Client {
	c := &Client{BaseURL: srv.URL + "/api/query", HTTP: srv.Client(), Timeout: 2 * time.Second}
	c.now, c.sleep = clk.now, clk.sleep
	return c
}

// replay answers id_list queries with the recorded responses.
var replay = map[string]struct {
	file   string
	status int
}{
	"1605.08386":       {"id_1605.08386.xml", 200},
	"2104.12255":       {"id_2104.12255v1.xml", 200},
	"astro-ph/0601001": {"id_astro-ph_0601001.xml", 200},
	"1707.08567":       {"id_0808.05394_1707.08567.xml", 200},
	"0808.05394":       {"id_0808.05394_1707.08567.xml", 200},
	"1601.00001":       {"old_id_1601.00001.xml", 200},
	"0000.0000":        {"id_0000.0000.xml", 200},
	"abc":              {"id_abc.status400.xml", 400},
}

func replayServer(t *testing.T, hits *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits != nil {
			hits.Add(1)
		}
		q := r.URL.Query()
		if r.URL.Path != "/api/query" || q.Get("max_results") != "1" || r.Header.Get("User-Agent") != DefaultUserAgent {
			http.Error(w, "unexpected request "+r.URL.String(), http.StatusTeapot)
			return
		}
		rec, ok := replay[q.Get("id_list")]
		if !ok {
			http.Error(w, "no recording for "+q.Get("id_list"), http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		w.WriteHeader(rec.status)
		w.Write(readTestdata(t, rec.file))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestParseFeedRecorded(t *testing.T) {
	for _, tc := range []struct {
		file      string
		total     int
		n         int
		id        paper.ID
		title     string
		authors   int
		first     string
		cats      []string
		version   int
		published string
		updated   string
		check     func(t *testing.T, f Feed)
	}{
		{file: "id_1605.08386.xml", total: 1, n: 1, id: "1605.08386",
			title: "Heat-bath random walks with Markov bases", authors: 2, first: "Caprice Stanley",
			cats: []string{"math.CO", "math.ST"}, version: 1,
			published: "2016-05-26T17:59:46Z", updated: "2016-05-26T17:59:46Z",
			check: func(t *testing.T, f Feed) {
				p := f.Papers[0]
				if p.Comments != "20 pages, 3 figures" || p.DOI != "" || p.JournalRef != "" || p.Withdrawn {
					t.Errorf("extras: %+v", p)
				}
				if !strings.HasPrefix(p.Abstract, "Graphs on lattice points are studied") {
					t.Errorf("abstract %q", p.Abstract)
				}
				if !p.AsOf.Equal(date("2026-04-12T22:10:19Z")) || !f.Updated.Equal(p.AsOf) {
					t.Errorf("AsOf %v, feed updated %v", p.AsOf, f.Updated)
				}
			}},
		{file: "id_2104.12255v1.xml", total: 1, n: 1, id: "2104.12255",
			title: "0", authors: 1, first: "Quan Thoi Minh Nguyen",
			cats: []string{"cs.CR"}, version: 1,
			published: "2021-04-20T16:07:14Z", updated: "2021-04-20T16:07:14Z",
			check: func(t *testing.T, f Feed) {
				if p := f.Papers[0]; p.Comments != "" || !strings.HasSuffix(p.Abstract, "awarded $35,000 in total for the reported bugs.") {
					t.Errorf("comments %q abstract %q", p.Comments, p.Abstract)
				}
			}},
		{file: "id_astro-ph_0601001.xml", total: 1, n: 1, id: "astro-ph/0601001",
			title:   "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys Toward the Galactic Bulge and Carina",
			authors: 4, first: "Andrew Gould", cats: []string{"astro-ph"}, version: 1,
			published: "2006-01-02T14:57:58Z", updated: "2006-01-02T14:57:58Z",
			check: func(t *testing.T, f Feed) {
				p := f.Papers[0]
				if p.JournalRef != "ActaAstron.56:1-50,2006" {
					t.Errorf("journal ref %q", p.JournalRef)
				}
				// Leading blanks trimmed, entities decoded.
				if !strings.HasPrefix(p.Abstract, "We derive the frequencies") ||
					!strings.Contains(p.Abstract, "Gould & Morgan (2003)") || !strings.Contains(p.Abstract, "V_max<17.5") {
					t.Errorf("abstract %q", p.Abstract)
				}
				if p.Authors[3].Name != "Andrzej Udalski" {
					t.Errorf("last author %q", p.Authors[3].Name)
				}
			}},
		{file: "id_0808.05394_1707.08567.xml", total: 1, n: 1, id: "1707.08567",
			title:   "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications",
			authors: 34, first: "Kees A. Schouhamer Immink", cats: []string{"cs.IT"}, version: 1,
			published: "2017-07-27T08:18:33Z", updated: "2017-07-27T08:18:33Z",
			check: func(t *testing.T, f Feed) {
				p := f.Papers[0]
				if p.Authors[32].Name != "Dirk Wübben" || p.Authors[33].Name != "Hirosuke Yamamoto" {
					t.Errorf("authors %q", p.AuthorNames()[32:])
				}
				if p.Comments != "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck" {
					t.Errorf("comments %q", p.Comments)
				}
			}},
		{file: "old_query_cs.RO_max2.xml", total: 5619, n: 2, id: "2510.14968",
			title:   "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks",
			authors: 4, first: "Mingxuan Yan",
			cats: []string{"cs.RO", "cs.AI", "cs.CV", "cs.LG", "cs.SY", "eess.SY"}, version: 1,
			published: "2025-10-16T17:59:37Z", updated: "2025-10-16T17:59:37Z",
			check: func(t *testing.T, f Feed) {
				p := f.Papers[0]
				if p.Comments != "39th Conference on Neural Information Processing Systems (NeurIPS 2025); Project Website: rdd-neurips.github.io" {
					t.Errorf("comments %q", p.Comments)
				}
				if strings.ContainsAny(p.Abstract, "\n\t") || strings.Contains(p.Abstract, "  ") ||
					!strings.HasPrefix(p.Abstract, "To tackle long-horizon tasks, recent hierarchical vision-language-action (VLAs)") {
					t.Errorf("abstract not folded: %q", p.Abstract)
				}
				q := f.Papers[1]
				if q.ID != "2510.14827" || q.Title != "Neural Implicit Flow Fields for Spatio-Temporal Motion Mapping" ||
					len(q.Authors) != 6 || q.Authors[5].Name != "Martin Magnusson" || !slices.Equal(q.Categories, []string{"cs.RO"}) ||
					!q.Published.Equal(date("2025-10-16T16:04:01Z")) {
					t.Errorf("second entry %+v", q)
				}
				if !f.Updated.Equal(date("2025-10-17T04:00:00Z")) {
					t.Errorf("feed updated %v", f.Updated)
				}
			}},
		{file: "old_id_1601.00001.xml", total: 1, n: 1, id: "1601.00001",
			title:   "Inelastic effects in molecular transport junctions: The probe technique at high bias",
			authors: 2, first: "Michael Kilgour", cats: []string{"cond-mat.mes-hall"}, version: 1,
			published: "2015-12-26T21:19:45Z", updated: "2015-12-26T21:19:45Z",
			check: func(t *testing.T, f Feed) {
				p := f.Papers[0]
				if p.DOI != "10.1063/1.4944470" || p.JournalRef != "J. Chem. Phys. 144, 124107 (2016)" {
					t.Errorf("doi %q journal ref %q", p.DOI, p.JournalRef)
				}
				if !strings.HasPrefix(p.Abstract, `We extend the Landauer-B\"uttiker probe formalism`) {
					t.Errorf("abstract %q", p.Abstract)
				}
			}},
		{file: "id_0000.0000.xml", total: 0, n: 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := ParseFeed(bytes.NewReader(readTestdata(t, tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			if f.TotalResults != tc.total || len(f.Papers) != tc.n {
				t.Fatalf("totalResults %d, %d papers; want %d, %d", f.TotalResults, len(f.Papers), tc.total, tc.n)
			}
			if tc.n == 0 {
				return
			}
			p := f.Papers[0]
			if p.ID != tc.id || p.Title != tc.title {
				t.Errorf("id %q title %q; want %q %q", p.ID, p.Title, tc.id, tc.title)
			}
			if len(p.Authors) != tc.authors || p.Authors[0].Name != tc.first {
				t.Errorf("authors %q; want %d starting %q", p.AuthorNames(), tc.authors, tc.first)
			}
			if !slices.Equal(p.Categories, tc.cats) || p.PrimaryCategory() != tc.cats[0] {
				t.Errorf("categories %q; want %q", p.Categories, tc.cats)
			}
			if p.LatestVersion() != tc.version {
				t.Errorf("version %d; want %d", p.LatestVersion(), tc.version)
			}
			if !p.Published.Equal(date(tc.published)) || !p.Updated.Equal(date(tc.updated)) {
				t.Errorf("published %v updated %v; want %s %s", p.Published, p.Updated, tc.published, tc.updated)
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

func TestParseFeedAPIError(t *testing.T) {
	f, err := ParseFeed(bytes.NewReader(readTestdata(t, "id_abc.status400.xml")))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Message != "incorrect id format for abc" {
		t.Fatalf("err = %v; want APIError \"incorrect id format for abc\"", err)
	}
	if len(f.Papers) != 0 || f.TotalResults != 1 {
		t.Errorf("feed %+v", f)
	}
}

func TestParseFeedMalformed(t *testing.T) {
	good := string(readTestdata(t, "id_1605.08386.xml"))
	for name, in := range map[string]string{
		"empty":       "",
		"not xml":     "Rate exceeded.",
		"html":        "<html><body>Service Unavailable</body></html>",
		"truncated":   good[:len(good)/2],
		"bad date":    strings.Replace(good, "<published>2016-05-26T17:59:46Z", "<published>yesterday", 1),
		"bad id":      strings.Replace(good, "http://arxiv.org/abs/1605.08386v1", "http://arxiv.org/abs/nonsense", 1),
		"bad total":   strings.Replace(good, "<opensearch:totalResults>1<", "<opensearch:totalResults>one<", 1),
		"wrong xmlns": strings.Replace(good, `xmlns="http://www.w3.org/2005/Atom"`, "", 1),
	} {
		t.Run(name, func(t *testing.T) {
			f, err := ParseFeed(strings.NewReader(in))
			if err == nil {
				t.Fatalf("no error; feed %+v", f)
			}
			if !strings.HasPrefix(err.Error(), "arxiv: ") {
				t.Errorf("error %q does not say where it comes from", err)
			}
			t.Log(err)
		})
	}
}

func TestFetchRecorded(t *testing.T) {
	var hits atomic.Int32
	srv := replayServer(t, &hits)
	clk := newFakeClock()
	c := newClient(srv, clk)
	for id, want := range map[paper.ID]string{
		"1605.08386":       "Heat-bath random walks with Markov bases",
		"2104.12255":       "0",
		"astro-ph/0601001": "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys Toward the Galactic Bulge and Carina",
		"1707.08567":       "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications",
		"1601.00001":       "Inelastic effects in molecular transport junctions: The probe technique at high bias",
	} {
		p, err := c.Fetch(context.Background(), id)
		if err != nil {
			t.Errorf("Fetch(%s): %v", id, err)
			continue
		}
		if p.ID != id || p.Title != want {
			t.Errorf("Fetch(%s) = %q %q; want title %q", id, p.ID, p.Title, want)
		}
	}
	if hits.Load() != 5 {
		t.Errorf("%d requests; want 5", hits.Load())
	}
}

func TestFetchNotFound(t *testing.T) {
	var hits atomic.Int32
	srv := replayServer(t, &hits)
	c := newClient(srv, newFakeClock())
	// 0000.0000: empty feed. 0808.05394: arXiv answers with a feed that
	// holds only other papers (the recorded two-id query).
	for _, id := range []paper.ID{"0000.0000", "0808.05394"} {
		_, err := c.Fetch(context.Background(), id)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("Fetch(%s) error = %v; want ErrNotFound", id, err)
		} else if !strings.Contains(err.Error(), string(id)) || !strings.Contains(err.Error(), "attempt 1 of 4") {
			t.Errorf("error %q should name the id and attempt", err)
		}
	}
	if hits.Load() != 2 {
		t.Errorf("%d requests; want 2 (no retries)", hits.Load())
	}
}

func TestFetchBadID(t *testing.T) {
	var hits atomic.Int32
	srv := replayServer(t, &hits)
	c := newClient(srv, newFakeClock())
	_, err := c.Fetch(context.Background(), "abc")
	if !errors.Is(err, ErrBadID) {
		t.Fatalf("error = %v; want ErrBadID", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Message != "incorrect id format for abc" {
		t.Errorf("error %v does not carry the API's message", err)
	}
	if !strings.Contains(err.Error(), "abc (attempt 1 of 4)") {
		t.Errorf("error %q should name the id and attempt", err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests; a 400 must not be retried", hits.Load())
	}
}

// scripted serves the given handlers in turn, the last one for ever.
func scripted(t *testing.T, hits *atomic.Int32, steps ...http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(hits.Add(1))
		steps[min(n, len(steps))-1](w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func serveFile(t *testing.T, name string) http.HandlerFunc {
	body := readTestdata(t, name)
	return func(w http.ResponseWriter, r *http.Request) { w.Write(body) }
}

func serveStatus(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		http.Error(w, http.StatusText(code), code)
	}
}

// hang answers only when the client has gone.
func hang(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

func TestFetchTimeoutThenSuccess(t *testing.T) {
	var hits atomic.Int32
	srv := scripted(t, &hits, hang, serveFile(t, "id_1605.08386.xml"))
	clk := newFakeClock()
	c := newClient(srv, clk)
	c.Timeout = 50 * time.Millisecond
	p, err := c.Fetch(context.Background(), "1605.08386")
	if err != nil || p.Title != "Heat-bath random walks with Markov bases" {
		t.Fatalf("Fetch = %q, %v", p.Title, err)
	}
	if hits.Load() != 2 {
		t.Errorf("%d requests; want 2", hits.Load())
	}
}

func TestFetchTimeoutGivesUp(t *testing.T) {
	var hits atomic.Int32
	srv := scripted(t, &hits, hang)
	c := newClient(srv, newFakeClock())
	c.Timeout = 30 * time.Millisecond
	c.Attempts = 2
	_, err := c.Fetch(context.Background(), "1605.08386")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1605.08386 (attempt 2 of 2)") {
		t.Fatalf("error = %v; want a timeout after 2 attempts", err)
	}
	if hits.Load() != 2 {
		t.Errorf("%d requests; want 2", hits.Load())
	}
}

func TestFetchRetryAfter(t *testing.T) {
	clk := newFakeClock()
	for name, tc := range map[string]struct {
		header string
		want   time.Duration
	}{
		"seconds": {"1", time.Second},
		"date":    {clk.now().Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			var hits atomic.Int32
			srv := scripted(t, &hits, serveStatus(503, "Retry-After", tc.header), serveFile(t, "id_2104.12255v1.xml"))
			clk := newFakeClock()
			c := newClient(srv, clk)
			c.MinInterval = -1 // isolate the Retry-After wait from pacing
			p, err := c.Fetch(context.Background(), "2104.12255")
			if err != nil || p.ID != "2104.12255" {
				t.Fatalf("Fetch = %q, %v", p.ID, err)
			}
			if got := clk.recorded(); !slices.Equal(got, []time.Duration{tc.want}) {
				t.Errorf("slept %v; want [%v]", got, tc.want)
			}
		})
	}
}

func TestFetchRetryAfterDefersPacing(t *testing.T) {
	var hits atomic.Int32
	srv := scripted(t, &hits, serveStatus(429, "Retry-After", "10"), serveFile(t, "id_2104.12255v1.xml"))
	clk := newFakeClock()
	c := newClient(srv, clk)
	start := clk.now()
	if _, err := c.Fetch(context.Background(), "2104.12255"); err != nil {
		t.Fatal(err)
	}
	if waited := clk.now().Sub(start); waited < 10*time.Second {
		t.Errorf("waited %v; Retry-After asked for 10s", waited)
	}
}

func TestFetchBackoff(t *testing.T) {
	var hits atomic.Int32
	srv := scripted(t, &hits, serveStatus(500))
	clk := newFakeClock()
	c := newClient(srv, clk)
	c.MinInterval = -1
	_, err := c.Fetch(context.Background(), "1605.08386")
	if err == nil || !strings.Contains(err.Error(), "(attempt 4 of 4): HTTP 500") {
		t.Fatalf("error = %v", err)
	}
	got := clk.recorded()
	if len(got) != 3 {
		t.Fatalf("slept %v; want 3 backoffs", got)
	}
	for i, d := range got {
		base := time.Second << i
		if d < base/2 || d > base {
			t.Errorf("backoff %d = %v; want in [%v, %v]", i+1, d, base/2, base)
		}
	}
}

func TestFetchNoRetryOnClientError(t *testing.T) {
	for _, code := range []int{403, 404} {
		var hits atomic.Int32
		srv := scripted(t, &hits, serveStatus(code))
		c := newClient(srv, newFakeClock())
		_, err := c.Fetch(context.Background(), "1605.08386")
		if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrBadID) {
			t.Errorf("HTTP %d: error = %v", code, err)
		}
		if hits.Load() != 1 {
			t.Errorf("HTTP %d: %d requests; want 1", code, hits.Load())
		}
	}
}

func TestFetchMalformedXML(t *testing.T) {
	var hits atomic.Int32
	body := readTestdata(t, "id_1605.08386.xml")
	srv := scripted(t, &hits, func(w http.ResponseWriter, r *http.Request) { w.Write(body[:900]) })
	c := newClient(srv, newFakeClock())
	_, err := c.Fetch(context.Background(), "1605.08386")
	if err == nil || !strings.Contains(err.Error(), "parsing feed") {
		t.Fatalf("error = %v; want a parse error", err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests; want 1", hits.Load())
	}
}

func TestFetchPacing(t *testing.T) {
	srv := replayServer(t, nil)
	clk := newFakeClock()
	c := newClient(srv, clk)
	for _, id := range []paper.ID{"1605.08386", "2104.12255"} {
		if _, err := c.Fetch(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if got := clk.recorded(); !slices.Equal(got, []time.Duration{DefaultMinInterval}) {
		t.Errorf("slept %v; want [%v]", got, DefaultMinInterval)
	}
}

func TestFetchPacingConcurrent(t *testing.T) {
	srv := replayServer(t, nil)
	clk := newFakeClock()
	clk.advance = false // every goroutine sees the same instant
	c := newClient(srv, clk)
	c.MinInterval = 2 * time.Second
	var wg sync.WaitGroup
	for _, id := range []paper.ID{"1605.08386", "2104.12255", "astro-ph/0601001"} {
		wg.Go(func() {
			if _, err := c.Fetch(context.Background(), id); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := clk.recorded()
	slices.Sort(got)
	if !slices.Equal(got, []time.Duration{2 * time.Second, 4 * time.Second}) {
		t.Errorf("slept %v; want [2s 4s]", got)
	}
}

func TestFetchContextCanceled(t *testing.T) {
	var hits atomic.Int32
	srv := scripted(t, &hits, serveStatus(503))
	c := newClient(srv, newFakeClock())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Fetch(ctx, "1605.08386"); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v; want context.Canceled", err)
	}
}

func FuzzParseFeed(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil || len(files) == 0 {
		f.Fatal("no seeds", err)
	}
	for _, name := range files {
		f.Add(readTestdata(f, filepath.Base(name)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := ParseFeed(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, p := range feed.Papers {
			if p.ID == "" {
				t.Errorf("paper without id: %+v", p)
			}
			if id, v, err := paper.ParseID(string(p.ID)); err != nil || id != p.ID || v != 0 {
				t.Errorf("id %q is not canonical", p.ID)
			}
		}
	})
}

// closedPort is a local address that refuses connections: a port that was
// free a moment ago.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// An arXiv that cannot be reached (offline: no DNS, no route, refused) is
// told from one that was reached and did not answer in time.
func TestFetchUnreachable(t *testing.T) {
	for _, tc := range []struct{ name, url string }{
		{"refused", "http://" + closedPort(t) + "/api/query"},
		{"no such host", "http://export.arxiv.invalid/api/query"}, // .invalid never resolves (RFC 2606)
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Client{BaseURL: tc.url, Timeout: 5 * time.Second, Attempts: 2}
			clk := newFakeClock()
			c.now, c.sleep = clk.now, clk.sleep
			_, err := c.Fetch(context.Background(), "1605.08386")
			if !errors.Is(err, ErrUnreachable) || errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error = %v; want ErrUnreachable", err)
			}
			if !strings.Contains(err.Error(), "could not reach arXiv") || !strings.Contains(err.Error(), "attempt 2 of 2") {
				t.Errorf("error = %v; want it to say arXiv could not be reached, after the retries", err)
			}
		})
	}
	// Reached, but too slow: not unreachable.
	var hits atomic.Int32
	c := newClient(scripted(t, &hits, hang), newFakeClock())
	c.Timeout, c.Attempts = 30*time.Millisecond, 1
	if _, err := c.Fetch(context.Background(), "1605.08386"); errors.Is(err, ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a server that hangs: %v; want a timeout", err)
	}
	// Nor is a fetch whose caller gave up.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c = &Client{BaseURL: "http://" + closedPort(t) + "/api/query", Attempts: 1, MinInterval: -1}
	if _, err := c.Fetch(ctx, "1605.08386"); errors.Is(err, ErrUnreachable) {
		t.Errorf("a cancelled fetch: %v; want it not called unreachable", err)
	}
}
