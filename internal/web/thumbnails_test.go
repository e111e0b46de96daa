package web

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/thumb"
)

func getThumbnail(t *testing.T, h http.Handler, path, inm string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if inm != "" {
		req.Header.Set("If-None-Match", inm)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Every paper has a thumbnail: a PNG card of the advertised size, cached
// by browsers for a day and revalidated by an ETag that changes with the
// paper's title and nothing else.
func TestThumbnails(t *testing.T) {
	h, st := newSite(t, true)
	rec := getThumbnail(t, h, "/thumbnails/2608.19880.png", "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("status %d, type %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	img, err := png.Decode(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != thumb.Width || b.Dy() != thumb.Height {
		t.Errorf("a %dx%d card, want %dx%d", b.Dx(), b.Dy(), thumb.Width, thumb.Height)
	}
	etag := rec.Header().Get("ETag")
	if etag == "" || !strings.Contains(rec.Header().Get("Cache-Control"), "max-age=86400") {
		t.Errorf("ETag %q, Cache-Control %q", etag, rec.Header().Get("Cache-Control"))
	}
	if again := getThumbnail(t, h, "/thumbnails/2608.19880.png", ""); !bytes.Equal(again.Body.Bytes(), rec.Body.Bytes()) {
		t.Error("the second answer differs from the first")
	}
	if rec := getThumbnail(t, h, "/thumbnails/2608.19880.png", etag); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match with the ETag: %d with %d bytes, want 304 and none", rec.Code, rec.Body.Len())
	}

	// A vote changes nothing on the card; a new title does.
	voter, err := st.CreateAccount(context.Background(), store.Account{User: store.User{Username: "voter"}, Email: "voter@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Vote(context.Background(), voter.ID, "2608.19880", true); err != nil {
		t.Fatal(err)
	}
	if rec := getThumbnail(t, h, "/thumbnails/2608.19880.png", etag); rec.Code != http.StatusNotModified {
		t.Errorf("after a vote: %d, want 304 (the card is the same)", rec.Code)
	}
	p, err := st.Paper(context.Background(), "2608.19880")
	if err != nil {
		t.Fatal(err)
	}
	p.Title += " (Revised)"
	p.AsOf = p.AsOf.AddDate(1, 0, 0)
	mustPaper(t, st, p)
	if rec := getThumbnail(t, h, "/thumbnails/2608.19880.png", etag); rec.Code != http.StatusOK || rec.Header().Get("ETag") == etag {
		t.Errorf("after a new title: %d with ETag %q, want 200 and a new ETag", rec.Code, rec.Header().Get("ETag"))
	}

	for path, want := range map[string]int{
		"/thumbnails/2501.00001.png":   http.StatusNotFound, // not in the catalogue
		"/thumbnails/2608.19880":       http.StatusNotFound, // no extension
		"/thumbnails/2608.19880.jpg":   http.StatusNotFound,
		"/thumbnails/not-a-paper.png":  http.StatusNotFound,
		"/thumbnails/2608.19880v2.png": http.StatusMovedPermanently, // to the id without its version
	} {
		if rec := getThumbnail(t, h, path, ""); rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
}

// Old-style ids hold a slash, which the thumbnail's path keeps.
func TestThumbnailOfAnOldStyleID(t *testing.T) {
	h, st := newSite(t, false)
	mustPaper(t, st, paper.Paper{ID: "math/0601001", Title: "On Gödel"})
	if rec := getThumbnail(t, h, "/thumbnails/math/0601001.png", ""); rec.Code != http.StatusOK {
		t.Errorf("status %d: %s", rec.Code, rec.Body.String())
	}
}

// The paper page offers its card to link previews.
func TestPaperPagePreviewImage(t *testing.T) {
	h, _ := newSite(t, true)
	_, doc := get(t, h, "/papers/2608.19880", http.StatusOK)
	if got, _ := doc.Find(`meta[property="og:image"]`).Attr("content"); got != "http://localhost:8080/thumbnails/2608.19880.png" {
		t.Errorf("og:image %q", got)
	}
	if got, _ := doc.Find(`meta[name="twitter:card"]`).Attr("content"); got != "summary_large_image" {
		t.Errorf("twitter:card %q", got)
	}
	if _, doc := get(t, h, "/", http.StatusOK); doc.Find(`meta[property="og:image"]`).Length() != 0 {
		t.Error("the feed page names a preview image")
	}
}
