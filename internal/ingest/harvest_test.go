package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/arxiv"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// The recorded OAI-PMH answers the arxiv package's tests replay.
const oaiData = "../arxiv/testdata/oai/"

// oaiServer answers ListRecords by set and resumption token with recorded
// pages, and keeps the queries it was sent.
type oaiServer struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	queries []url.Values
	// pages maps "set=S" (a first page) or "token=T" to a body.
	pages map[string][]byte
}

func newOAIServer(t *testing.T, pages map[string][]byte) *oaiServer {
	o := &oaiServer{t: t, pages: pages}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		o.mu.Lock()
		o.queries = append(o.queries, q)
		o.mu.Unlock()
		key := "set=" + q.Get("set")
		if tok := q.Get("resumptionToken"); tok != "" {
			key = "token=" + tok
		}
		body, ok := o.pages[key]
		if !ok {
			body = readFile(t, oaiData+"old_error_noRecordsMatch.xml")
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Write(body)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *oaiServer) harvester() *arxiv.Harvester {
	return &arxiv.Harvester{BaseURL: o.srv.URL, MinInterval: -1, Attempts: 1}
}

// sent returns the queries sent since the last call, as "k=v&..." strings.
func (o *oaiServer) sent() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, q := range o.queries {
		out = append(out, q.Encode())
	}
	o.queries = nil
	return out
}

// listPage wraps the record of a recorded GetRecord answer as the last
// page of a ListRecords: no recording holds a page that follows a
// resumption token.
func listPage(t *testing.T, getRecord string) []byte {
	body := string(readFile(t, oaiData+getRecord))
	start, end := strings.Index(body, "<record>"), strings.LastIndex(body, "</record>")
	if start < 0 || end < 0 {
		t.Fatalf("%s holds no record", getRecord)
	}
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2015-01-06T20:50:30Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request>
<ListRecords>%s</record><resumptionToken cursor="1001" completeListSize="1002"></resumptionToken></ListRecords></OAI-PMH>`,
		body[start:end])
}

func TestHarvestResumesAndIsIncremental(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	srv := newOAIServer(t, map[string][]byte{
		"set=physics:nucl-th": readFile(t, oaiData+"old_ListRecords_arXivRaw_from-2014-10-01.xml"), // token 726959|1001
		"token=726959|1001":   listPage(t, "old_GetRecord_arXivRaw_1302.2146.xml"),
		"set=physics:hep-ex":  listPage(t, "old_GetRecord_arXivRaw_1302.2146.xml"),
	})
	now := time.Date(2015, 1, 7, 3, 0, 0, 0, time.UTC)
	opt := HarvestOptions{Categories: []string{"nucl-th", "hep-ex"}, Now: func() time.Time { return now }}

	// Run 1 stops (as a killed process would) after its first page.
	stopped, stop := context.WithCancel(ctx)
	first := opt
	first.Progress = func(p HarvestProgress) { stop() }
	_, err := Harvest(stopped, st, srv.harvester(), first)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped harvest: %v, want context.Canceled", err)
	}
	eqSlice(t, "run 1 queries", srv.sent(), []string{"from=2014-12-31&metadataPrefix=arXivRaw&set=physics%3Anucl-th&verb=ListRecords"})
	// The page's nucl-th papers are in; the other categories' are not.
	eq(t, "papers after run 1", stats(t, st).Papers, 2)
	eq(t, "title", getPaper(t, st, "0704.1586").Categories[0], "nucl-th")
	if _, err := st.Paper(ctx, "0704.0874"); !errors.Is(err, store.ErrNotFound) { // math.AG
		t.Errorf("a math.AG paper was kept: %v", err)
	}
	state, err := st.HarvestState(ctx, "arxiv:physics:nucl-th")
	if err != nil || state.Token != "726959|1001" || state.Pages != 1 || state.Records != 6 {
		t.Fatalf("checkpoint after run 1 = %+v, %v", state, err)
	}

	// Run 2 continues from the checkpoint, then harvests the other set.
	sum, err := Harvest(ctx, st, srv.harvester(), opt)
	if err != nil {
		t.Fatalf("resumed harvest: %v", err)
	}
	eqSlice(t, "run 2 queries", srv.sent(), []string{
		"resumptionToken=726959%7C1001&verb=ListRecords",
		"from=2014-12-31&metadataPrefix=arXivRaw&set=physics%3Ahep-ex&verb=ListRecords",
	})
	if len(sum.Sets) != 2 || !sum.Sets[0].Resumed || sum.Sets[0].Kept != 0 || sum.Sets[1].Added != 1 {
		t.Errorf("run 2 = %+v", sum.Sets)
	}
	p := getPaper(t, st, "1302.2146")
	if len(p.Versions) == 0 || p.Versions[0].N != 1 || p.Published.IsZero() {
		t.Errorf("harvested versions %+v, published %v", p.Versions, p.Published)
	}
	eq(t, "papers after run 2", stats(t, st).Papers, 3)
	state, err = st.HarvestState(ctx, "arxiv:physics:nucl-th")
	if err != nil || state.Token != "" || state.Done != "2015-01-06" || state.Pages != 2 {
		t.Errorf("state after run 2 = %+v, %v; want done from the server's date of the first page", state, err)
	}

	// Run 3 asks only for what changed since; nothing did (the server
	// answers noRecordsMatch).
	srv.pages = map[string][]byte{}
	now = now.Add(24 * time.Hour)
	sum, err = Harvest(ctx, st, srv.harvester(), opt)
	if err != nil {
		t.Fatalf("incremental harvest: %v", err)
	}
	eqSlice(t, "run 3 queries", srv.sent(), []string{
		"from=2015-01-06&metadataPrefix=arXivRaw&set=physics%3Anucl-th&verb=ListRecords",
		"from=2015-01-06&metadataPrefix=arXivRaw&set=physics%3Ahep-ex&verb=ListRecords",
	})
	if len(sum.Sets) != 2 || sum.Sets[0].Read != 0 || sum.Sets[1].Read != 0 {
		t.Errorf("run 3 = %+v", sum.Sets)
	}
	eq(t, "papers after run 3", stats(t, st).Papers, 3)
}

// A resumption token the server no longer knows restarts the run from its
// first day; what was written stays.
func TestHarvestBadResumptionTokenRestarts(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if err := st.SaveHarvestState(ctx, store.HarvestState{Source: "arxiv:physics:nucl-th", From: "2014-10-01", Token: "726959|1001", Pages: 1}); err != nil {
		t.Fatal(err)
	}
	srv := newOAIServer(t, map[string][]byte{
		"token=726959|1001":   readFile(t, oaiData+"old_error_badResumptionToken.xml"),
		"set=physics:nucl-th": listPage(t, "old_GetRecord_arXivRaw_1302.2146.xml"),
	})
	_, err := Harvest(ctx, st, srv.harvester(), HarvestOptions{Categories: []string{"nucl-th"}})
	if err != nil {
		t.Fatalf("harvest: %v", err)
	}
	eqSlice(t, "queries", srv.sent(), []string{
		"resumptionToken=726959%7C1001&verb=ListRecords",
		"from=2014-10-01&metadataPrefix=arXivRaw&set=physics%3Anucl-th&verb=ListRecords",
	})
}

// A new paper of an auto-feed category goes on the feed of the day arXiv
// announced it, once; an old one, a replaced one, or one of another
// category does not.
func TestHarvestAutoFeed(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	v1 := time.Date(2025, 9, 1, 17, 0, 0, 0, time.UTC)
	rec := func(id, cat, datestamp string, versions ...time.Time) arxiv.Record {
		p := paper.Paper{ID: paper.ID(id), Title: "Paper " + id, Categories: []string{cat}, Published: versions[0],
			Abstract: "Code: https://github.com/example/" + id + "."}
		for i, d := range versions {
			p.Versions = append(p.Versions, paper.Version{N: i + 1, Date: d})
		}
		return arxiv.Record{Paper: p, Datestamp: datestamp}
	}
	page := []arxiv.Record{
		rec("2509.00001", "cs.CL", "2025-09-02", v1),
		rec("2509.00002", "cs.CV", "2025-09-02", v1),                         // not auto-fed
		rec("2509.00003", "cs.CL", "2025-09-20", v1),                         // a late metadata change
		rec("2509.00004", "cs.CL", "2025-09-09", v1, v1.Add(7*24*time.Hour)), // v2
	}
	var sum SetSummary
	recs, err := harvestRecords(ctx, st, page, []string{"cs"}, []string{"cs.CL"}, &sum)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writeAll(ctx, st, recs); err != nil {
		t.Fatal(err)
	}
	eq(t, "on feed", sum.OnFeed, 1)
	items := feed(t, st, "2025-09-01", "2025-09-30")
	if len(items) != 1 || items[0].Paper.ID != "2509.00001" || items[0].Day != "2025-09-02" {
		t.Fatalf("feed = %+v", items)
	}
	// Repositories named in the abstract are linked.
	eq(t, "repo", getPaper(t, st, "2509.00002").GitHubRepo, "https://github.com/example/2509.00002")
	// Harvested again, the paper gets no second entry.
	sum = SetSummary{}
	if recs, err = harvestRecords(ctx, st, page[:1], []string{"cs"}, []string{"cs.CL"}, &sum); err != nil || recs[0].Submission != nil {
		t.Errorf("harvested again: submission %+v, %v", recs[0].Submission, err)
	}
}

func TestHarvestDue(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	cats := []string{"cs.CL", "cs.CV"} // one set
	at := func(s string) time.Time { return ts(s) }
	due := func(now string) bool {
		t.Helper()
		ok, err := HarvestDue(ctx, st, cats, 2, at(now))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !due("2025-09-02T01:00:00Z") {
		t.Errorf("never harvested: not due")
	}
	st.SaveHarvestState(ctx, store.HarvestState{Source: "arxiv:cs", Done: "2025-09-02", UpdatedAt: at("2025-09-02T02:10:00Z")})
	if due("2025-09-02T23:00:00Z") || due("2025-09-03T01:59:00Z") {
		t.Errorf("due again the same day")
	}
	if !due("2025-09-03T02:00:00Z") {
		t.Errorf("not due the next day after the hour")
	}
	st.SaveHarvestState(ctx, store.HarvestState{Source: "arxiv:cs", Token: "x", UpdatedAt: at("2025-09-03T02:10:00Z")})
	if !due("2025-09-03T02:15:00Z") {
		t.Errorf("a stopped run is not due")
	}
}

func TestParseCategories(t *testing.T) {
	got, err := ParseCategories(" cs.CL, cs.CV ,cs.CL,math,hep-th,, ")
	if err != nil {
		t.Fatal(err)
	}
	eqSlice(t, "categories", got, []string{"cs.CL", "cs.CV", "math", "hep-th"})
	for _, bad := range []string{"cs.CL;drop", "CS", "cs.", "-cs", "cs.CL,x y", "../etc"} {
		if _, err := ParseCategories(bad); err == nil {
			t.Errorf("ParseCategories(%q) accepted", bad)
		}
	}
	for c, set := range map[string]string{"cs.CL": "cs", "math.AG": "math", "hep-th": "physics:hep-th", "quant-ph": "physics:quant-ph", "astro-ph.GA": "physics:astro-ph", "q-bio.NC": "q-bio", "stat.ML": "stat"} {
		eq(t, "set of "+c, oaiSet(c), set)
	}
}
