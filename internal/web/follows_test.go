package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// demoAuthor is the first author of a demo paper, and the paper.
func demoAuthor(t *testing.T, c *community) (string, string) {
	t.Helper()
	p, err := c.st.Paper(t.Context(), "2608.19880")
	if err != nil || len(p.Authors) == 0 {
		t.Fatalf("demo paper: %+v, %v", p, err)
	}
	return p.Authors[0].Name, string(p.ID)
}

func TestAuthorPage(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	name, id := demoAuthor(t, c)
	b := c.browser()
	a := b.get(library.AuthorPath(name)).want(t, "author page", http.StatusOK)
	if a.text("h1") != name {
		t.Errorf("heading %q", a.text("h1"))
	}
	if a.doc.Find(`article.card a[href="/papers/`+id+`"]`).Length() == 0 {
		t.Errorf("the author's paper %s is not listed", id)
	}
	if a.doc.Find(".side a[href^='/authors/']").Length() == 0 {
		t.Error("no co-authors listed")
	}
	if a.doc.Find(`form.follow input[name=kind][value=author]`).Length() != 1 {
		t.Error("no follow button")
	}
	// Another spelling with the same key is the same author.
	upper := b.get(library.AuthorPath(strings.ToUpper(name))).want(t, "author page in capitals", http.StatusOK)
	if upper.doc.Find(`article.card a[href="/papers/`+id+`"]`).Length() == 0 {
		t.Error("the same name in capitals lists other papers")
	}
	b.get("/authors/Nobody%20Atall").want(t, "unknown author", http.StatusNotFound)
	b.get(library.AuthorPath(name)+"?after=garbage").want(t, "bad cursor", http.StatusBadRequest)
	feed := b.get("/feeds/author/"+strings.ReplaceAll(name, " ", "%20")+".atom").want(t, "author feed", http.StatusOK)
	if !strings.Contains(feed.body, id) {
		t.Error("the author's feed lacks their paper")
	}
	b.get("/categories/cs.CL").want(t, "category page", http.StatusOK)
	b.get("/categories/not%20a%20category").want(t, "bad category", http.StatusNotFound)
}

func TestFollowAndFollowing(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	name, id := demoAuthor(t, c)
	nat := c.browser()
	nat.signUp("nat")
	empty := nat.get("/following").want(t, "following nothing", http.StatusOK)
	if !strings.Contains(empty.text(".list .empty"), "Follow an author") {
		t.Errorf("empty state says %q", empty.text(".list .empty"))
	}
	c.browser().get("/following").want(t, "a visitor's following", http.StatusSeeOther)
	c.browser().post("/follow", form("kind", "author", "target", name)).want(t, "a visitor follows", http.StatusSeeOther)

	v0, _ := c.st.Version(t.Context())
	back := library.AuthorPath(name)
	a := nat.post("/follow", form("kind", "author", "target", name, "next", back)).want(t, "follow", http.StatusSeeOther)
	if a.location != back {
		t.Errorf("follow goes back to %q", a.location)
	}
	if v, _ := c.st.Version(t.Context()); v != v0 {
		t.Error("following changed the store version, emptying the page cache")
	}
	page := nat.get(back).want(t, "author page, following", http.StatusOK)
	if page.doc.Find("form.follow.following").Length() != 1 {
		t.Error("the author page does not show that nat follows")
	}
	// A visitor's copy of the page does not carry nat's state.
	if c.browser().get(back).doc.Find("form.follow.following").Length() != 0 {
		t.Error("a visitor sees nat's follow")
	}
	f := nat.get("/following").want(t, "following", http.StatusOK)
	if f.doc.Find(`.followed article.card a[href="/papers/`+id+`"]`).Length() == 0 {
		t.Fatalf("the followed author's paper is not on /following")
	}
	// Mark as read: greyed out, and back again.
	nat.post("/read", form("paper", id, "read", "1")).want(t, "mark read", http.StatusSeeOther)
	f = nat.get("/following")
	if f.doc.Find(`.followed.read a[href="/papers/`+id+`"]`).Length() == 0 {
		t.Error("a read paper is not marked read")
	}
	j := nat.post("/read", form("paper", id, "read", "0"), "Accept", "application/json").want(t, "unmark by script", http.StatusOK)
	var got struct{ Read bool }
	if err := json.Unmarshal([]byte(j.body), &got); err != nil || got.Read {
		t.Errorf("unmark answered %s", j.body)
	}
	nat.post("/read", form("paper", "2101.99999", "read", "1")).want(t, "mark an unknown paper", http.StatusNotFound)
	nat.post("/read", form("paper", "nonsense")).want(t, "mark a non-id", http.StatusBadRequest)

	// Bad follows get clear errors.
	nat.post("/follow", form("kind", "author", "target", "...")).want(t, "follow no name", http.StatusBadRequest)
	nat.post("/follow", form("kind", "category", "target", "cs.CL; drop")).want(t, "follow a bad category", http.StatusBadRequest)
	nat.post("/follow", form("kind", "planet", "target", "mars")).want(t, "follow a bad kind", http.StatusBadRequest)
	natAcc, err := c.st.UserByName(t.Context(), "nat")
	if err != nil {
		t.Fatal(err)
	}
	self := nat.post("/follow", form("kind", "user", "target", jsonID(natAcc.ID))).want(t, "follow oneself", http.StatusBadRequest)
	if !strings.Contains(self.body, "cannot follow yourself") {
		t.Errorf("following oneself says %q", self.text("main"))
	}
	nat.post("/follow", form("kind", "user", "target", "999999")).want(t, "follow nobody", http.StatusNotFound)
	nat.post("/follow", form("kind", "collection", "target", "1")).want(t, "follow a collection", http.StatusNotFound)

	// A person's follow button, and a script's follow in place.
	oli := c.browser()
	oli.signUp("oli")
	prof := oli.get("/users/nat").want(t, "nat's profile", http.StatusOK)
	if prof.doc.Find(`form.follow input[name=kind][value=user]`).Length() != 1 {
		t.Error("no follow button on a profile")
	}
	if nat.get("/users/nat").doc.Find("form.follow").Length() != 0 {
		t.Error("a follow button on one's own profile")
	}
	j = oli.post("/follow", form("kind", "category", "target", "cs"), "Accept", "application/json").want(t, "follow by script", http.StatusOK)
	if !strings.Contains(j.body, `"following":true`) {
		t.Errorf("follow answered %s", j.body)
	}
	fs, err := c.st.FollowsOf(t.Context(), natAcc.ID)
	if err != nil || len(fs) != 1 || fs[0].Kind != store.FollowAuthor || fs[0].Target != library.AuthorKey(name) {
		t.Errorf("nat follows %+v, %v", fs, err)
	}
	nat.post("/follow", form("kind", "author", "target", name, "unfollow", "1")).want(t, "unfollow", http.StatusSeeOther)
	if fs, _ := c.st.FollowsOf(t.Context(), natAcc.ID); len(fs) != 0 {
		t.Errorf("nat still follows %+v", fs)
	}
}

func jsonID(id int64) string { b, _ := json.Marshal(id); return string(b) }

func TestClaims(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	name, id := demoAuthor(t, c)
	admin := c.makeAdmin("mod")
	nat, oli := c.browser(), c.browser()
	nat.signUp("nat")
	oli.signUp("oli")

	if nat.get("/papers/"+id).doc.Find(`details.claim select[name=position] option`).Length() == 0 {
		t.Fatal("no claim form on the paper page")
	}
	if c.browser().get("/papers/"+id).doc.Find("details.claim").Length() != 0 {
		t.Error("a visitor is offered to claim")
	}
	nat.post("/claims", form("paper", id, "position", "0")).want(t, "claim", http.StatusSeeOther)
	twice := nat.post("/claims", form("paper", id, "position", "1")).want(t, "claim twice", http.StatusConflict)
	if !strings.Contains(twice.body, "one claim a paper") {
		t.Errorf("claiming twice says %q", twice.text("main"))
	}
	taken := oli.post("/claims", form("paper", id, "position", "0")).want(t, "claim a held position", http.StatusConflict)
	if !strings.Contains(taken.body, "Someone else has claimed") {
		t.Errorf("a held position says %q", taken.text("main"))
	}
	oli.post("/claims", form("paper", id, "position", "999")).want(t, "claim no author", http.StatusBadRequest)
	oli.post("/claims", form("paper", "2101.99999", "position", "0")).want(t, "claim an unknown paper", http.StatusNotFound)
	oli.post("/claims", form("paper", id, "position", "x")).want(t, "claim without a position", http.StatusBadRequest)

	// Pending: nothing public changes.
	if c.browser().get("/papers/"+id).doc.Find(".authors-full a.verified").Length() != 0 {
		t.Error("a pending claim shows as verified")
	}
	nat.post("/admin/claims/1", form("approve", "1")).want(t, "a user approves", http.StatusForbidden)
	adm := admin.get("/admin").want(t, "admin page", http.StatusOK)
	if !strings.Contains(adm.text(".claim-item"), "nat") || !strings.Contains(adm.text(".claim-item"), name) {
		t.Fatalf("admin page lists claims %q", adm.text(".claim-item"))
	}
	action, _ := adm.doc.Find(".claim-item form").First().Attr("action")
	admin.post(action, form("approve", "1")).want(t, "approve", http.StatusSeeOther)
	admin.post(action, form("approve", "1")).want(t, "approve twice", http.StatusNotFound)

	// Approved: the name links to nat's profile with a mark, in the page a
	// visitor gets (the cached one changed with the store's version), in
	// the API, and on nat's profile.
	p := c.browser().get("/papers/" + id)
	if href, _ := p.doc.Find(".authors-full a.author").First().Attr("href"); href != "/users/nat" || p.doc.Find(".authors-full a.verified").Length() != 1 {
		t.Errorf("the claimed author links to %q", href)
	}
	api := c.browser().get("/api/papers/"+id).want(t, "API paper", http.StatusOK)
	var obj struct {
		Authors []struct {
			Name string `json:"name"`
			User *struct {
				ID   string `json:"_id"`
				User string `json:"user"`
				Type string `json:"type"`
			} `json:"user"`
			Status string `json:"status"`
		} `json:"authors"`
	}
	if err := json.Unmarshal([]byte(api.body), &obj); err != nil {
		t.Fatal(err)
	}
	if u := obj.Authors[0].User; u == nil || u.User != "nat" || u.Type != "user" || len(u.ID) != 24 || obj.Authors[0].Status != "claimed_verified" {
		t.Errorf("API author 0 = %+v", obj.Authors[0])
	}
	if len(obj.Authors) > 1 && obj.Authors[1].User != nil {
		t.Errorf("an unclaimed author has a user: %+v", obj.Authors[1])
	}
	prof := c.browser().get("/users/nat")
	if prof.doc.Find(`.authored a[href="/papers/`+id+`"]`).Length() != 1 || !strings.Contains(prof.text(".authored"), "verified") {
		t.Errorf("nat's profile lists %q", prof.text(".authored"))
	}
	// Hiding it from the profile.
	hide, _ := nat.get("/users/nat").doc.Find(".authored form").Attr("action")
	oli.post(hide, form("hidden", "1")).want(t, "hide another's claim", http.StatusNotFound)
	nat.post(hide, form("hidden", "1")).want(t, "hide", http.StatusSeeOther)
	if c.browser().get("/users/nat").doc.Find(`.authored a[href="/papers/`+id+`"]`).Length() != 0 {
		t.Error("a hidden claim is still on the profile")
	}
}

// Following another's public collection brings its papers to /following;
// a private collection is not found, and one's own is refused.
func TestFollowCollection(t *testing.T) {
	c := newCommunity(t, communityOptions{})
	ctx := t.Context()
	ann := c.browser()
	ann.signUp("ann")
	nat := c.browser()
	nat.signUp("nat")
	annUser, err := c.st.UserByName(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	public, err := c.st.CreateCollection(ctx, store.Collection{Owner: annUser, Title: "Reading group", Theme: "orange", CreatedAt: time.Now()}, library.MaxCollections)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := c.st.CreateCollection(ctx, store.Collection{Owner: annUser, Title: "Secret", Private: true, Theme: "blue", CreatedAt: time.Now()}, library.MaxCollections)
	if err != nil {
		t.Fatal(err)
	}
	const id = "2608.00677"
	if _, err := c.st.AddCollectionItem(ctx, store.CollectionItem{CollectionID: public.ID, Paper: paper.Paper{ID: id}, AddedAt: time.Now()}, library.MaxItems); err != nil {
		t.Fatal(err)
	}

	path := collectionPath(public)
	page := nat.get(path).want(t, "another's collection", http.StatusOK)
	if page.doc.Find(".collection-actions form.follow").Length() != 1 {
		t.Fatal("another's public collection has no Follow button")
	}
	if ann.get(path).doc.Find(".collection-actions form.follow").Length() != 0 {
		t.Error("the owner is offered to follow their own collection")
	}
	nat.post("/follow", form("kind", "collection", "target", jsonID(public.ID), "next", path)).want(t, "follow a collection", http.StatusSeeOther)
	if nat.get(path).doc.Find("form.follow.following").Length() != 1 {
		t.Error("the collection page does not show that nat follows it")
	}
	f := nat.get("/following").want(t, "following a collection", http.StatusOK)
	if f.doc.Find(`.followed article.card a[href="/papers/`+id+`"]`).Length() == 0 {
		t.Error("the followed collection's paper is not on /following")
	}
	nat.post("/follow", form("kind", "collection", "target", jsonID(secret.ID))).want(t, "follow a private collection", http.StatusNotFound)
	ann.post("/follow", form("kind", "collection", "target", jsonID(public.ID))).want(t, "follow one's own collection", http.StatusBadRequest)

	// Turned private, it no longer feeds its followers' page.
	public.Private = true
	if _, err := c.st.UpdateCollection(ctx, public); err != nil {
		t.Fatal(err)
	}
	if nat.get("/following").doc.Find(`.followed article.card a[href="/papers/`+id+`"]`).Length() != 0 {
		t.Error("a collection turned private still shows on its follower's page")
	}
	// And its follower can still stop following it.
	nat.post("/follow", form("kind", "collection", "target", jsonID(public.ID), "unfollow", "1")).want(t, "unfollow a collection turned private", http.StatusSeeOther)
	natUser, err := c.st.UserByName(ctx, "nat")
	if err != nil {
		t.Fatal(err)
	}
	if follows, err := c.st.FollowsOf(ctx, natUser.ID); err != nil || len(follows) != 0 {
		t.Errorf("nat's follows after unfollowing: %v %v", follows, err)
	}
}
