package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/dailypapers/dailypapers/internal/markdown"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// commentAt posts a comment through the page's form and returns its id.
func commentAt(t *testing.T, b *browser, id paper.ID, parent, body string) int64 {
	t.Helper()
	a := b.post("/comments", form("paper", string(id), "parent", parent, "body", body)).want(t, "comment "+body, http.StatusSeeOther)
	n, err := strconv.ParseInt(commentID(t, a.location), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Comments beyond the Markdown limits are refused on the page with the
// reason, the text kept in the form it was written in (the page's, or the
// reply form of its thread), and nothing stored.
func TestCommentLimitsOnThePage(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	b.signUp("una")
	id, _ := latestCard(t, b)
	top := commentAt(t, b, id, "", "A thread.")
	for _, tc := range []struct {
		name, body, want string
		parent           string
	}{
		{"10,000 >", strings.Repeat(">", 10000), "nests too deeply", ""},
		{"brackets", strings.Repeat("[", 4995) + strings.Repeat("]", 4995), "nests too deeply", ""},
		{"deep emphasis in a reply", strings.Repeat("*", 300) + "a" + strings.Repeat("*", 300), "nests too deeply", fmt.Sprint(top)},
		{"zero-width only", "\u200b\u200c\ufeff", "empty", ""},
		{"quotes blow up", strings.Repeat(`"`, markdown.MaxBytes), "too large", ""},
	} {
		a := b.post("/comments", form("paper", string(id), "parent", tc.parent, "body", tc.body)).want(t, tc.name, http.StatusBadRequest)
		form := a.doc.Find(`form.comment-form:not(:has(input[name=parent]))`)
		if tc.parent != "" {
			form = a.doc.Find(fmt.Sprintf(`details[open] form.comment-form:has(input[name=parent][value='%s'])`, tc.parent))
		}
		if msg := strings.Join(strings.Fields(form.Find(".form-error").Text()), " "); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: message %q, want one saying %q", tc.name, msg, tc.want)
		}
		if got := form.Find("textarea").Text(); got != tc.body {
			t.Errorf("%s: the form holds %d bytes, want the %d sent", tc.name, len(got), len(tc.body))
		}
	}
	cs, err := c.st.Comments(t.Context(), id)
	if err != nil || len(cs) != 1 {
		t.Errorf("stored comments: %d, %v; want only the thread", len(cs), err)
	}

	// An edit beyond the limits: the edit form again, the comment as it was.
	a := b.post(fmt.Sprintf("/comments/%d/edit", top), form("body", strings.Repeat(">", 10000))).want(t, "deep edit", http.StatusBadRequest)
	if !strings.Contains(a.text(".form-error"), "nests too deeply") || a.doc.Find("textarea").Text() != strings.Repeat(">", 10000) {
		t.Errorf("deep edit: message %q", a.text(".form-error"))
	}
	if got, _ := c.st.Comment(t.Context(), top); got.Body != "A thread." {
		t.Errorf("after a refused edit the comment is %q", got.Body)
	}
}

// The page shows the HTML stored with each comment and renders none: a
// comment whose stored HTML is not what its body renders to is shown as
// stored. An edit stores the new rendering.
func TestCommentHTMLIsStored(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	b.signUp("vic")
	id, _ := latestCard(t, b)
	n := commentAt(t, b, id, "", "*one*")
	got, err := c.st.Comment(t.Context(), n)
	if err != nil || got.HTML != "<p><em>one</em></p>\n" {
		t.Fatalf("stored HTML = %q, %v", got.HTML, err)
	}
	b.post(fmt.Sprintf("/comments/%d/edit", n), form("body", "**two**")).want(t, "edit", http.StatusSeeOther)
	if got, _ = c.st.Comment(t.Context(), n); got.HTML != "<p><strong>two</strong></p>\n" {
		t.Errorf("HTML after the edit = %q, want the edit rendered", got.HTML)
	}

	vic, err := c.st.AccountByEmail(t.Context(), "vic@example.org")
	if err != nil {
		t.Fatal(err)
	}
	planted, err := c.st.AddComment(t.Context(), store.Comment{PaperID: id, Author: vic.User, Body: "as *written*", HTML: "<p>as <em>stored</em></p>\n"})
	if err != nil {
		t.Fatal(err)
	}
	page := b.get(id.Path())
	if got := page.text(fmt.Sprintf("#c%d .body", planted.ID)); got != "as stored" {
		t.Errorf("the page shows %q, want the stored HTML's text", got)
	}
	if got := page.text(fmt.Sprintf("#c%d .body strong", n)); got != "two" {
		t.Errorf("the edited comment shows %q", got)
	}
}

// Comments stored before their HTML was are rendered once, within the
// limits (as plain text beyond them), at start or on their first view,
// and stored.
func TestStoredCommentsRendered(t *testing.T) {
	st := newStore(t, true)
	site, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	a, err := st.CreateAccount(ctx, store.Account{User: store.User{Username: "old"}, Email: "old@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	const id = paper.ID("2608.19880")
	old := func(body string) int64 {
		c, err := st.AddComment(ctx, store.Comment{PaperID: id, Author: a.User, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	plain, deep := old("*fine*"), old(strings.Repeat(">", 9990))
	n, err := site.RenderStoredComments(ctx)
	if err != nil || n != 2 {
		t.Fatalf("RenderStoredComments = %d, %v; want 2", n, err)
	}
	for _, tc := range []struct {
		id   int64
		want string
	}{{plain, "<p><em>fine</em></p>\n"}, {deep, "<p>" + strings.Repeat("&gt;", 9990) + "</p>\n"}} {
		if c, _ := st.Comment(ctx, tc.id); c.HTML != template.HTML(tc.want) {
			t.Errorf("comment %d HTML = %.60q, want %.60q", tc.id, c.HTML, tc.want)
		}
	}
	if n, err := site.RenderStoredComments(ctx); err != nil || n != 0 {
		t.Errorf("RenderStoredComments again = %d, %v; want none", n, err)
	}

	// One added later (by an older process) is rendered on its first view.
	later := old("_later_")
	if rec, _ := get(t, site.Handler(), id.Path(), http.StatusOK); !strings.Contains(rec.Body.String(), "<em>later</em>") {
		t.Error("the page does not show the comment stored without HTML")
	}
	if c, _ := st.Comment(ctx, later); c.HTML != "<p><em>later</em></p>\n" {
		t.Errorf("after its first view the comment's HTML is %q", c.HTML)
	}
}

// Bidirectional overrides and isolates are removed from what is stored and
// shown.
func TestCommentBidiRemoved(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	b.signUp("wes")
	id, _ := latestCard(t, b)
	n := commentAt(t, b, id, "", "see report\u202etxt.exe and \u2067this\u2069")
	got, _ := c.st.Comment(t.Context(), n)
	if got.Body != "see reporttxt.exe and this" {
		t.Errorf("stored body %q", got.Body)
	}
	if page := b.get(id.Path()); strings.ContainsAny(page.body, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") {
		t.Error("the page holds a bidi control")
	}
}

// The API refuses what the form refuses, with a JSON reason: comments
// beyond the limits, and bodies that are not valid UTF-8 (which
// encoding/json would have turned into U+FFFD).
func TestAPICommentLimits(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	b := c.browser()
	b.signUp("xia")
	token := b.post("/settings/tokens", form("name", "bot")).want(t, "token", http.StatusOK).text(".notice code.token")
	id, _ := latestCard(t, b)
	api := func(path, body string) answer {
		req, _ := http.NewRequest("POST", c.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		return c.browser().do(req)
	}
	comment := "/api/papers/" + string(id) + "/comment"
	for _, tc := range []struct {
		name, body, want string
	}{
		{"10,000 >", `{"comment":"` + strings.Repeat(">", 10000) + `"}`, "nests too deeply"},
		{"brackets", `{"comment":"` + strings.Repeat("[", 4995) + strings.Repeat("]", 4995) + `"}`, "nests too deeply"},
		{"zero-width only", `{"comment":"\u200b\u2060"}`, "empty"},
		{"invalid UTF-8", "{\"comment\":\"bad \xff\xfe bytes\"}", "UTF-8"},
		{"invalid UTF-8 in a key", "{\"comment\":\"fine\",\"\xff\":1}", "UTF-8"},
		{"lone high surrogate", `{"comment":"bad \ud800 half"}`, "UTF-8"},
		{"lone low surrogate", `{"comment":"bad \udc00 half"}`, "UTF-8"},
		{"swapped pair", `{"comment":"bad \ude00\ud83d pair"}`, "UTF-8"},
	} {
		a := api(comment, tc.body).want(t, tc.name, http.StatusBadRequest)
		if !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") || !strings.Contains(a.body, tc.want) {
			t.Errorf("%s: %s %s, want a JSON reason saying %q", tc.name, a.header.Get("Content-Type"), a.body, tc.want)
		}
	}
	api("/api/papers/submit", `{"paper_id":"2104.12255","comment":"`+strings.Repeat(">", 10000)+`"}`).want(t, "submit with a deep comment", http.StatusBadRequest)
	if items, _ := c.st.Submissions(t.Context(), "2104.12255"); len(items) != 0 {
		t.Error("a submission whose comment was refused went on the feed")
	}
	if cs, _ := c.st.Comments(t.Context(), id); len(cs) != 0 {
		t.Errorf("%d refused comments stored", len(cs))
	}
	a := api(comment, `{"comment":"an escaped pair \ud83d\ude00 and a backslash \\ud800"}`).want(t, "valid escapes", http.StatusCreated)
	if !strings.Contains(a.body, "😀") || !strings.Contains(a.body, `\\ud800`) {
		t.Errorf("valid escapes answered %s", a.body)
	}
}
