package digest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/mailpit"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// A subscriber with an account gets the period's papers of what they
// follow, catalogue papers included, in a section of their own; one
// without an account, or following nothing, gets no such section.
func TestDigestFromWhatYouFollow(t *testing.T) {
	ctx := context.Background()
	mp := mailpit.Start(t)
	st := openStore(t)
	const day = "2025-09-02"
	seedFeed(t, st, []feedPaper{{"2509.00101", day, "Scaling Laws for Language Agents", "Agents.", []string{"cs.CL"}, 50}})
	at := func(d string) time.Time {
		tm, err := time.Parse(time.DateOnly, d)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Add(14 * time.Hour)
	}
	// Catalogue papers (never on the feed) by Grace Hopper: one of the
	// period, one before it and one after it.
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ id, title, published string }{
		{"2509.00201", "Compilers for Everyone", day},
		{"2508.00202", "An Older Compiler Paper", "2025-08-30"},
		{"2509.00203", "A Compiler Paper of Tomorrow", "2025-09-03"},
	} {
		if _, err := im.Write(ctx, []store.Record{{Paper: paper.Paper{ID: paper.MustParseID(p.id), Title: p.title,
			Abstract: "On compilers.", Authors: []paper.Author{{Name: "Grace Hopper"}}, Categories: []string{"cs.PL"},
			Published: at(p.published)}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}

	account := func(name string) store.Account {
		a, err := st.CreateAccount(ctx, store.Account{User: store.User{Username: name}, Email: name + "@example.org", PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	fan, idle := account("fan"), account("idle")
	if err := st.Follow(ctx, store.Follow{UserID: fan.ID, Kind: store.FollowAuthor, Target: "grace hopper"}, 0); err != nil {
		t.Fatal(err)
	}
	subscribe(t, st, store.Subscription{Email: "fan@example.org", Frequency: store.Daily, UserID: fan.ID}, true)
	subscribe(t, st, store.Subscription{Email: "idle@example.org", Frequency: store.Daily, UserID: idle.ID}, true)
	// A subscription made without an account: no section.
	subscribe(t, st, store.Subscription{Email: "visitor@example.org", Frequency: store.Daily}, true)

	clock := &fixedClock{time.Date(2025, 9, 3, 8, 0, 0, 0, time.UTC)}
	base := "https://papers.example.org"
	composer := &digest.Composer{Store: st, Following: st, Signer: newSigner(t), BaseURL: base, SiteName: "Daily Papers", Top: 3}
	r := &digest.Runner{Store: st, Composer: composer, Mail: smtpTo(t, mp.SMTPHost, mp.SMTPPort), Log: quiet, Workers: 2}
	if _, err := r.Run(ctx, []digest.Period{digest.Daily(clock.t)}, clock.now); err != nil {
		t.Fatal(err)
	}
	got := byRecipient(t, mp, settle(t, mp, 3))

	msg := got["fan@example.org"][0]
	section := followedSection(msg.Text)
	if !strings.Contains(section, "Compilers for Everyone") || strings.Contains(section, "Older") || strings.Contains(section, "Tomorrow") {
		t.Errorf("the follower's section:\n%s", section)
	}
	if !strings.Contains(msg.Text, "Scaling Laws for Language Agents") {
		t.Error("the follower's mail lost the trending papers")
	}
	if !strings.Contains(msg.HTML, "From what you follow") || !strings.Contains(msg.HTML, base+"/papers/2509.00201") {
		t.Error("the HTML part has no section of followed papers")
	}
	if msg.Subject != "Daily Papers: 2 papers for Wednesday, Sep 3" {
		t.Errorf("Subject %q", msg.Subject)
	}
	for _, who := range []string{"idle@example.org", "visitor@example.org"} {
		if m := got[who][0]; strings.Contains(m.Text, "FROM WHAT YOU FOLLOW") || strings.Contains(m.Text, "Compilers") {
			t.Errorf("%s got a section of followed papers:\n%s", who, m.Text)
		}
	}
}

// followedSection is the text part's "FROM WHAT YOU FOLLOW" section.
func followedSection(text string) string {
	_, after, ok := strings.Cut(text, "FROM WHAT YOU FOLLOW")
	if !ok {
		return ""
	}
	s, _, _ := strings.Cut(after, "TRENDING")
	return s
}

// The period's followed papers are found however many papers of what the
// subscriber follows came after it: a busy category, or a digest sent
// late, once pushed them past the pages the section read.
func TestDigestFollowedPastBusyStream(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	const day = "2025-09-02"
	seedFeed(t, st, []feedPaper{{"2509.00101", day, "Scaling Laws for Language Agents", "Agents.", []string{"cs.CL"}, 50}})
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	period := time.Date(2025, 9, 2, 14, 0, 0, 0, time.UTC)
	recs := []store.Record{{Paper: paper.Paper{ID: paper.MustParseID("2509.00201"), Title: "Compilers for Everyone",
		Abstract: "On compilers.", Categories: []string{"cs.PL"}, Published: period}}}
	// 200 papers of the followed category in the days after the period.
	for i := range 200 {
		recs = append(recs, store.Record{Paper: paper.Paper{ID: paper.MustParseID(fmt.Sprintf("2509.%05d", 1000+i)), Title: fmt.Sprintf("Later Paper %d", i),
			Abstract: "Later.", Categories: []string{"cs.PL"}, Published: period.Add(time.Duration(24+i) * time.Hour)}})
	}
	if _, err := im.Write(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	fan, err := st.CreateAccount(ctx, store.Account{User: store.User{Username: "fan"}, Email: "fan@example.org", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Follow(ctx, store.Follow{UserID: fan.ID, Kind: store.FollowCategory, Target: "cs.PL"}, 0); err != nil {
		t.Fatal(err)
	}
	composer := &digest.Composer{Store: st, Following: st, Signer: newSigner(t), BaseURL: "https://papers.example.org", SiteName: "Daily Papers", Top: 3}
	ed, err := composer.Edition(ctx, digest.Daily(time.Date(2025, 9, 3, 8, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	d, err := composer.Compose(ctx, ed, &store.Subscription{ID: 1, Email: "fan@example.org", Frequency: store.Daily, UserID: fan.ID}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Followed) != 1 || d.Followed[0].Paper.ID != "2509.00201" {
		var ids []paper.ID
		for _, it := range d.Followed {
			ids = append(ids, it.Paper.ID)
		}
		t.Errorf("followed papers of %s = %v, want [2509.00201]", ed.Period.Key, ids)
	}
}
