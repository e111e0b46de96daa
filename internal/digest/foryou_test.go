package digest_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/demo"
	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/mailpit"
	"github.com/dailypapers/dailypapers/internal/recommend"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// A subscriber with an account who asked for it gets a For-you section:
// the period's papers ranked by the model the site trained (and kept),
// each with its reason. One who asked and has no signals, or paused
// personalisation, gets a line saying so; one who did not ask gets
// nothing, and the digests go out all the same.
func TestDigestForYou(t *testing.T) {
	ctx := context.Background()
	mp := mailpit.Start(t)
	st := openStore(t)
	if _, _, err := demo.LoadIfEmpty(ctx, st, io.Discard); err != nil {
		t.Fatal(err)
	}
	ix := search.NewService(st, slog.New(slog.DiscardHandler))
	if err := ix.Build(ctx, nil); err != nil {
		t.Fatal(err)
	}
	account := func(name string) store.Account {
		a, err := st.CreateAccount(ctx, store.Account{User: store.User{Username: name}, Email: name + "@example.org", PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	fan, fresh, paused, nofy := account("fan"), account("fresh"), account("paused"), account("nofy")

	// The site: fan saves papers on diffusion; paused picks a category
	// and pauses. The site trains their models in the background.
	site := recommend.NewService(st, ix, quiet, nil)
	defer site.Close()
	var saved []string
	cur := store.PaperCursor{}
	for len(saved) < 6 {
		ps, next, err := st.LatestPapers(ctx, cur, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if strings.Contains(strings.ToLower(p.Title), "diffusion") && len(saved) < 6 {
				if err := st.SavePaper(ctx, fan.ID, p.ID, time.Time{}, 0); err != nil {
					t.Fatal(err)
				}
				saved = append(saved, p.Title)
			}
		}
		if next == (store.PaperCursor{}) {
			break
		}
		cur = next
	}
	if err := st.AddSignal(ctx, paused.ID, store.Signal{Kind: store.SignalSeedCategory, Subject: "cs.CL"}); err != nil {
		t.Fatal(err)
	}
	site.Changed(fan.ID)
	site.Changed(paused.ID)
	wait, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := site.WaitIdle(wait); err != nil {
		t.Fatal(err)
	}
	if err := st.SetReaderPaused(ctx, paused.ID, true); err != nil {
		t.Fatal(err)
	}

	for _, s := range []store.Subscription{
		{Email: "fan@example.org", UserID: fan.ID, Frequency: store.Weekly, ForYou: true},
		{Email: "fresh@example.org", UserID: fresh.ID, Frequency: store.Weekly, ForYou: true},
		{Email: "paused@example.org", UserID: paused.ID, Frequency: store.Weekly, ForYou: true},
		{Email: "nofy@example.org", UserID: nofy.ID, Frequency: store.Weekly},
		{Email: "visitor@example.org", Frequency: store.Weekly, ForYou: true},
	} {
		subscribe(t, st, s, true)
	}

	// The digest: another Digest over the store, as another process.
	day, err := st.NewestDay(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last, _ := time.Parse(time.DateOnly, day)
	period := digest.Weekly(last)
	base := "https://papers.example.org"
	composer := &digest.Composer{Store: st, Following: st, ForYou: recommend.NewDigest(st, ix), Accounts: st, ForYouTop: 5,
		Signer: newSigner(t), BaseURL: base, SiteName: "Daily Papers", Top: 3}
	clock := &fixedClock{last.AddDate(0, 0, 3)}
	r := &digest.Runner{Store: st, Composer: composer, Mail: smtpTo(t, mp.SMTPHost, mp.SMTPPort), Log: quiet, Workers: 2}
	if _, err := r.Run(ctx, []digest.Period{period}, clock.now); err != nil {
		t.Fatal(err)
	}
	got := byRecipient(t, mp, settle(t, mp, 5))

	msg := got["fan@example.org"][0]
	section := forYouSection(msg.Text)
	if n := strings.Count(section, "  Why: "); n != 5 {
		t.Errorf("fan's For-you section has %d papers with a reason, want 5:\n%s", n, section)
	}
	if !strings.Contains(section, "you saved") || !strings.Contains(strings.ToLower(section), "diffusion") {
		t.Errorf("fan's section names no saved paper or no diffusion paper:\n%s", section)
	}
	for _, title := range saved {
		if strings.Contains(section, "* "+title+"\n") {
			t.Errorf("a saved paper is recommended back: %s", title)
		}
	}
	if !strings.Contains(msg.HTML, ">For you<") || !strings.Contains(msg.HTML, "Why: ") {
		t.Error("the HTML part has no For-you section")
	}
	if note := forYouSection(got["fresh@example.org"][0].Text); !strings.Contains(note, "fills once you upvote, save or follow") ||
		!strings.Contains(note, base+"/for-you/settings") {
		t.Errorf("a subscriber without signals: %q", note)
	}
	if note := forYouSection(got["paused@example.org"][0].Text); !strings.Contains(note, "You paused For you") {
		t.Errorf("a paused subscriber: %q", note)
	}
	for _, who := range []string{"nofy@example.org", "visitor@example.org"} {
		if m := got[who][0]; strings.Contains(m.Text, "FOR YOU") {
			t.Errorf("%s got a For-you section:\n%s", who, forYouSection(m.Text))
		}
	}
}

// forYouSection is the text part's "FOR YOU" section.
func forYouSection(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	_, after, ok := strings.Cut(text, "\nFOR YOU\n")
	if !ok {
		return ""
	}
	s, _, _ := strings.Cut(after, "\nTRENDING")
	s, _, _ = strings.Cut(s, "\nFROM WHAT YOU FOLLOW")
	return s
}
