package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/dailypapers/dailypapers/internal/embed/wordvec"
	"github.com/dailypapers/dailypapers/internal/search"
)

// newSemanticSite serves the demo data with every paper embedded by the
// built-in word vectors.
func newSemanticSite(t *testing.T) http.Handler {
	t.Helper()
	ctx := context.Background()
	st := newStore(t, true)
	emb, err := wordvec.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	svc := search.NewService(st, nil)
	svc.UseEmbedder(emb)
	if err := svc.Build(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.EmbedMissing(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	return serve(t, st, svc)
}

func TestSearchModes(t *testing.T) {
	t.Parallel()
	h := newSemanticSite(t)
	const q = "long context language models"
	base := "/search?q=" + url.QueryEscape(q)
	ranked := map[string][]string{}
	for _, mode := range []string{"", "lexical", "semantic", "hybrid"} {
		path := base
		if mode != "" {
			path += "&mode=" + mode
		}
		_, doc := get(t, h, path, http.StatusOK)
		ids := resultIDs(doc)
		if len(ids) == 0 {
			t.Fatalf("mode %q: no results", mode)
		}
		ranked[mode] = ids
		// The three rankings are offered, the current one marked.
		var labels []string
		current := ""
		doc.Find("nav.modes a").Each(func(_ int, a *goquery.Selection) {
			labels = append(labels, a.Text())
			if _, ok := a.Attr("aria-current"); ok {
				current = a.Text()
			}
		})
		if !slices.Equal(labels, []string{"Best match", "Exact words", "Similar meaning"}) {
			t.Errorf("mode %q: ranking links %q", mode, labels)
		}
		want := map[string]string{"": "Best match", "hybrid": "Best match", "lexical": "Exact words", "semantic": "Similar meaning"}[mode]
		if current != want {
			t.Errorf("mode %q: current ranking %q, want %q", mode, current, want)
		}
		// Paging keeps the mode.
		if next, ok := doc.Find(`nav.pager a[href*="page=2"]`).Attr("href"); ok {
			if hasMode := strings.Contains(next, "mode="); hasMode != (mode == "lexical" || mode == "semantic") {
				t.Errorf("mode %q: next page link %q", mode, next)
			}
		}
	}
	if !slices.Equal(ranked[""], ranked["hybrid"]) {
		t.Errorf("the default ranking is not hybrid: %v vs %v", ranked[""], ranked["hybrid"])
	}
	if slices.Equal(ranked["lexical"], ranked["semantic"]) {
		t.Errorf("lexical and semantic rank the same: %v", ranked["lexical"])
	}
	_, doc := get(t, h, base+"&mode=fuzzy", http.StatusBadRequest)
	if got := text(doc, ".error-page p:not(.code)"); !strings.Contains(got, "fuzzy") {
		t.Errorf("unknown mode: message %q", got)
	}
}
