package digest_test

// End-to-end tests of queueing and sending digests, against real parts: a
// SQLite file, Mailpit (or, where a failure must be injected, an
// in-process go-smtp server), the SMTP sender and the web site that
// answers the unsubscribe link.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/mail"
	"github.com/dailypapers/dailypapers/internal/mailpit"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
	"github.com/dailypapers/dailypapers/internal/web"
)

// secretKey signs the links of every test's mails (and the site's checks).
var secretKey = []byte("a key of more than 32 bytes for the digest tests")

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// feedPaper is a paper on the feed of one day.
type feedPaper struct {
	id, day, title, abstract string
	cats                     []string
	upvotes                  int
}

func seedFeed(t *testing.T, st store.Store, papers []feedPaper) {
	t.Helper()
	ctx := context.Background()
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]store.Record, len(papers))
	for i, p := range papers {
		d, err := time.Parse(time.DateOnly, p.day)
		if err != nil {
			t.Fatal(err)
		}
		recs[i] = store.Record{
			Paper: paper.Paper{ID: paper.MustParseID(p.id), Title: p.title, Abstract: p.abstract,
				Authors:    []paper.Author{{Name: "Ada Lovelace"}, {Name: "Alan Turing"}},
				Categories: p.cats, Upvotes: p.upvotes,
				Published: d.AddDate(0, 0, -1), Updated: d.AddDate(0, 0, -1), AsOf: d.Add(9 * time.Hour)},
			Submission: &store.Submission{Day: p.day, SubmittedAt: d.Add(9 * time.Hour)},
		}
	}
	if _, err := im.Write(ctx, recs); err != nil {
		im.Rollback()
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
}

// subscribe adds a subscription and confirms it when confirm is set.
func subscribe(t *testing.T, st store.Store, s store.Subscription, confirm bool) store.Subscription {
	t.Helper()
	ctx := context.Background()
	got, added, err := st.Subscribe(ctx, s)
	if err != nil || !added {
		t.Fatalf("subscribe %s: added %v, %v", s.Email, added, err)
	}
	if confirm {
		if err := st.ConfirmSubscription(ctx, got.ID, time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	return reload(t, st, got.ID)
}

func reload(t *testing.T, st store.Store, id int64) store.Subscription {
	t.Helper()
	sub, err := st.SubscriptionByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func newSigner(t *testing.T) *digest.Signer {
	t.Helper()
	s, err := digest.NewSigner(secretKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// smtpTo is an SMTPSender to a server that speaks plain SMTP.
func smtpTo(t *testing.T, host string, port int) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTP(mail.SMTPConfig{Host: host, Port: port, TLS: mail.TLSNone,
		From: "Daily Papers <papers@example.org>", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fixedClock is a settable "now".
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }

// settle waits until Mailpit holds n messages, then a moment more so that
// a message too many would show, and returns them all.
func settle(t *testing.T, mp *mailpit.Server, n int) []mailpit.Summary {
	t.Helper()
	if n > 0 {
		mp.Wait(t, n, 10*time.Second)
	}
	time.Sleep(100 * time.Millisecond)
	msgs := mp.Messages(t)
	if len(msgs) != n {
		t.Fatalf("Mailpit holds %d messages, want %d: %v", len(msgs), n, recipients(msgs))
	}
	return msgs
}

func recipients(msgs []mailpit.Summary) []string {
	var to []string
	for _, m := range msgs {
		for _, a := range m.To {
			to = append(to, a.Address)
		}
	}
	slices.Sort(to)
	return to
}

// byRecipient fetches messages in full, by their one recipient.
func byRecipient(t *testing.T, mp *mailpit.Server, msgs []mailpit.Summary) map[string][]mailpit.Full {
	t.Helper()
	out := map[string][]mailpit.Full{}
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Fatalf("message %s has %d recipients, want 1", m.ID, len(m.To))
		}
		out[m.To[0].Address] = append(out[m.To[0].Address], mp.Message(t, m.ID))
	}
	return out
}

// textSections splits a digest's plain text into the titles of its
// trending papers and those of its matching section ("" and nil when it
// has none).
func textSections(t *testing.T, text string) (trending []string, matchHeading string, matching []string) {
	t.Helper()
	text = strings.ReplaceAll(text, "\r\n", "\n")
	body, _, ok := strings.Cut(text, "\n--\n")
	if !ok {
		t.Fatalf("no signature in the text part:\n%s", text)
	}
	top, rest, hasMatches := strings.Cut(body, "\nMATCHING ")
	if !strings.Contains(top, "\nTRENDING\n") {
		t.Fatalf("no TRENDING section in the text part:\n%s", text)
	}
	titles := func(s string) []string {
		var out []string
		for _, line := range strings.Split(s, "\n") {
			if title, ok := strings.CutPrefix(line, "* "); ok {
				out = append(out, title)
			}
		}
		return out
	}
	trending = titles(top)
	if hasMatches {
		matchHeading, _, _ = strings.Cut(rest, "\n")
		matching = titles(rest)
	}
	return trending, matchHeading, matching
}

// htmlLinks lists a digest's HTML part's paper page links and PDF links,
// as paper ids, in order, each once.
func htmlLinks(t *testing.T, html, base string) (pages, pdfs []string) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		if id, ok := strings.CutPrefix(href, base+"/papers/"); ok && (len(pages) == 0 || pages[len(pages)-1] != id) {
			pages = append(pages, id)
		}
		if id, ok := strings.CutPrefix(href, "https://arxiv.org/pdf/"); ok {
			pdfs = append(pdfs, id)
		}
	})
	return pages, pdfs
}

var unsubscribeHeader = regexp.MustCompile(`^<(https://[^<>\s]+)>$`)

func TestDigestEndToEnd(t *testing.T) {
	ctx := context.Background()
	mp := mailpit.Start(t)
	st := openStore(t)

	// The site on the same store and key. Its address is the Composer's
	// BaseURL, so the links in the mails lead to it.
	srv := httptest.NewUnstartedServer(nil)
	base := "https://" + srv.Listener.Addr().String()
	site, err := web.New(st, web.Options{SecretKey: secretKey, BaseURL: base, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = site.Handler()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	if srv.URL != base {
		t.Fatalf("the site is at %s, not %s", srv.URL, base)
	}

	// Wednesday Sep 3's daily digest covers Tuesday Sep 2. Written in no
	// particular order: the digest orders by upvotes.
	const day = "2025-09-02"
	papers := []feedPaper{
		{"2509.00106", day, "Diffusion Models for Street Scenes", "Denoising makes images of cities.", []string{"cs.CV", "cs.LG"}, 10},
		{"2509.00101", day, "Scaling Laws for Language Agents", "Agents that plan with tools.", []string{"cs.CL"}, 50},
		{"2509.00108", day, "Sensor Fusion for Robot Grasping", "Fusion of touch and vision: plain sensor fusion.", []string{"cs.RO"}, 3},
		{"2509.00103", day, "Depth from a Single Photo", "Monocular depth estimation.", []string{"cs.CV"}, 30},
		{"2509.00105", day, "A Text Model Trained by Diffusion", "Discrete diffusion for language.", []string{"cs.CL"}, 15},
		{"2509.00102", day, "Diffusion Policies for Control", "Robots act by denoising.", []string{"cs.LG"}, 40},
		{"2509.00107", day, "Convex Optimisation Revisited", "Gradient methods and their rates.", []string{"math.OC"}, 5},
		{"2509.00104", day, "Segment Anything in Video", "Masks that follow objects over time.", []string{"cs.CV"}, 20},
		// Outside the period: never in its digests.
		{"2509.00109", "2025-09-01", "Yesterday's Diffusion Hit", "Images by diffusion.", []string{"cs.CV"}, 100},
		{"2509.00110", "2025-09-03", "Tomorrow's Vision Paper", "Seen by diffusion.", []string{"cs.CV"}, 90},
	}
	seedFeed(t, st, papers)
	title := map[string]string{}
	for _, p := range papers {
		title[p.id] = p.title
	}
	titles := func(ids ...string) []string {
		var out []string
		for _, id := range ids {
			out = append(out, title[id])
		}
		return out
	}

	plain := subscribe(t, st, store.Subscription{Email: "plain@example.org", Frequency: store.Daily}, true)
	vision := subscribe(t, st, store.Subscription{Email: "vision@example.org", Frequency: store.Daily, Categories: []string{"cs.CV"}}, true)
	words := subscribe(t, st, store.Subscription{Email: "words@example.org", Frequency: store.Daily, Keywords: []string{"Diffusion"}}, true)
	subscribe(t, st, store.Subscription{Email: "weekly@example.org", Frequency: store.Weekly}, true)
	subscribe(t, st, store.Subscription{Email: "unconfirmed@example.org", Frequency: store.Daily}, false)
	paused := subscribe(t, st, store.Subscription{Email: "paused@example.org", Frequency: store.Daily}, true)
	paused.PausedAt = time.Date(2025, 8, 20, 0, 0, 0, 0, time.UTC)
	if err := st.UpdateSubscription(ctx, paused); err != nil {
		t.Fatal(err)
	}
	gone := subscribe(t, st, store.Subscription{Email: "gone@example.org", Frequency: store.Daily}, true)
	if err := st.Unsubscribe(ctx, gone.ID, time.Date(2025, 8, 21, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}

	clock := &fixedClock{time.Date(2025, 9, 3, 8, 0, 0, 0, time.UTC)}
	composer := &digest.Composer{Store: st, Signer: newSigner(t), BaseURL: base, SiteName: "Daily Papers", Top: 3}
	r := &digest.Runner{Store: st, Composer: composer, Mail: smtpTo(t, mp.SMTPHost, mp.SMTPPort), Log: quiet, Workers: 2}
	p := digest.Daily(clock.t)

	c, err := r.Run(ctx, []digest.Period{p}, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	if c != (digest.Counts{Queued: 3, Sent: 3}) {
		t.Errorf("first run: %+v, want 3 queued and sent", c)
	}
	got := byRecipient(t, mp, settle(t, mp, 3))

	top := titles("2509.00101", "2509.00102", "2509.00103") // most upvoted first
	for _, tc := range []struct {
		sub      store.Subscription
		heading  string   // of the matching section, "" for none
		matching []string // paper ids
	}{
		{plain, "", nil},
		{vision, "categories cs.CV", []string{"2509.00104", "2509.00106"}},
		{words, "keywords “Diffusion”", []string{"2509.00105", "2509.00106"}},
	} {
		msgs := got[tc.sub.Email]
		if len(msgs) != 1 {
			t.Errorf("%s got %d mails, want 1", tc.sub.Email, len(msgs))
			continue
		}
		f := msgs[0]
		who := tc.sub.Email
		if f.From.Address != "papers@example.org" || f.From.Name != "Daily Papers" {
			t.Errorf("%s: From %+v", who, f.From)
		}
		if len(f.To) != 1 || f.To[0].Address != who || !strings.Contains(f.Header("To"), who) {
			t.Errorf("%s: To %+v, header %q", who, f.To, f.Header("To"))
		}
		if want := fmt.Sprintf("Daily Papers: %d papers for Wednesday, Sep 3", 3+len(tc.matching)); f.Subject != want {
			t.Errorf("%s: Subject %q, want %q", who, f.Subject, want)
		}
		if date, err := netmail.ParseDate(f.Header("Date")); err != nil || !date.Equal(clock.t) {
			t.Errorf("%s: Date %q (%v, %v), want %v", who, f.Header("Date"), date, err, clock.t)
		}
		wantID := digest.MessageID(tc.sub.ID, p, base)
		if f.MessageID != wantID || f.Header("Message-ID") != "<"+wantID+">" {
			t.Errorf("%s: Message-ID %q (header %q), want %q", who, f.MessageID, f.Header("Message-ID"), wantID)
		}
		if m := unsubscribeHeader.FindStringSubmatch(f.Header("List-Unsubscribe")); m == nil || !strings.HasPrefix(m[1], base+"/unsubscribe/") {
			t.Errorf("%s: List-Unsubscribe %q, want <%s/unsubscribe/...>", who, f.Header("List-Unsubscribe"), base)
		}
		if v := f.Header("List-Unsubscribe-Post"); v != "List-Unsubscribe=One-Click" {
			t.Errorf("%s: List-Unsubscribe-Post %q", who, v)
		}
		if v := f.Header("List-Id"); v != "Daily Papers digest <digest.127.0.0.1>" {
			t.Errorf("%s: List-Id %q", who, v)
		}
		if ct := f.Header("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") || f.Text == "" || f.HTML == "" {
			t.Fatalf("%s: Content-Type %q, text %d bytes, HTML %d bytes: want both parts", who, ct, len(f.Text), len(f.HTML))
		}

		trending, heading, matching := textSections(t, f.Text)
		if !slices.Equal(trending, top) {
			t.Errorf("%s: trending %q, want %q", who, trending, top)
		}
		if heading != tc.heading || !slices.Equal(matching, titles(tc.matching...)) {
			t.Errorf("%s: matching section %q %q, want %q %q", who, heading, matching, tc.heading, titles(tc.matching...))
		}
		ids := append([]string{"2509.00101", "2509.00102", "2509.00103"}, tc.matching...)
		for _, id := range ids {
			for _, link := range []string{"Page: " + base + "/papers/" + id + "\n", "PDF:  https://arxiv.org/pdf/" + id + "\n"} {
				if !strings.Contains(strings.ReplaceAll(f.Text, "\r\n", "\n"), link) {
					t.Errorf("%s: the text part has no %q", who, strings.TrimSpace(link))
				}
			}
		}
		pages, pdfs := htmlLinks(t, f.HTML, base)
		if !slices.Equal(pages, ids) || !slices.Equal(pdfs, ids) {
			t.Errorf("%s: the HTML part links pages %q and PDFs %q, want %q", who, pages, pdfs, ids)
		}
		for _, other := range []string{"Yesterday's Diffusion Hit", "Tomorrow's Vision Paper", "Convex Optimisation", "Sensor Fusion"} {
			if strings.Contains(f.Text, other) || strings.Contains(f.HTML, strings.ReplaceAll(other, "'", "&#39;")) {
				t.Errorf("%s: the digest holds %q", who, other)
			}
		}
	}

	// Running again, later the same day, sends nothing more.
	clock.t = clock.t.Add(3 * time.Hour)
	if c, err := r.Run(ctx, []digest.Period{p}, clock.now); err != nil || c != (digest.Counts{}) {
		t.Errorf("second run: %+v, %v; want nothing done", c, err)
	}
	settle(t, mp, 3)
	runs, err := st.DigestRuns(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Period != p.Key || runs[1].Period != p.Key ||
		runs[1].Queued != 3 || runs[1].Sent != 3 || runs[1].Failed != 0 || runs[1].Skipped != 0 ||
		runs[0].Queued != 0 || runs[0].Sent != 0 || runs[0].FinishedAt.IsZero() || runs[1].FinishedAt.IsZero() {
		t.Errorf("runs, newest first: %+v", runs)
	}
	jobs, err := st.MailJobs(ctx, p.Key)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 3 {
		t.Fatalf("%d jobs, want 3: %+v", len(jobs), jobs)
	}
	for _, j := range jobs {
		if j.State != store.JobSent || j.Attempts != 1 || j.SentAt.IsZero() || j.MessageID != digest.MessageID(j.SubscriptionID, p, base) {
			t.Errorf("job %+v", j)
		}
	}

	// Vision follows the List-Unsubscribe link. A GET (a link checker)
	// changes nothing; the one-click POST of RFC 8058 unsubscribes.
	link := unsubscribeHeader.FindStringSubmatch(got[vision.Email][0].Header("List-Unsubscribe"))[1]
	client := srv.Client()
	resp, err := client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := reload(t, st, vision.ID); resp.StatusCode != http.StatusOK || !s.Active() {
		t.Fatalf("GET %s: %s; the subscription after it: %+v", link, resp.Status, s)
	}
	resp, err = client.Post(link, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s\n%s", link, resp.Status, body)
	}
	if s := reload(t, st, vision.ID); s.UnsubscribedAt.IsZero() || s.Active() {
		t.Fatalf("after the one-click POST: %+v", s)
	}

	// Thursday's digest (Wednesday's papers) goes to the two others only.
	clock.t = time.Date(2025, 9, 4, 8, 0, 0, 0, time.UTC)
	p2 := digest.Daily(clock.t)
	if c, err := r.Run(ctx, []digest.Period{p2}, clock.now); err != nil || c != (digest.Counts{Queued: 2, Sent: 2}) {
		t.Errorf("Thursday's run: %+v, %v; want 2 queued and sent", c, err)
	}
	msgs := settle(t, mp, 5)
	if to := recipients(msgs[3:]); !slices.Equal(to, []string{plain.Email, words.Email}) {
		t.Errorf("Thursday's digests went to %q", to)
	}
	jobs, err = st.MailJobs(ctx, p2.Key)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.SubscriptionID == vision.ID {
			t.Errorf("a job for the unsubscribed address: %+v", j)
		}
	}
}

func TestWeeklyAndDailySchedule(t *testing.T) {
	ctx := context.Background()
	mp := mailpit.Start(t)
	st := openStore(t)

	// A paper a day from Monday Aug 25 to Sunday Sep 14, weekends too,
	// except Tuesday Sep 9: Wednesday Sep 10's daily digest has nothing.
	const empty = "2025-09-09"
	first := time.Date(2025, 8, 25, 0, 0, 0, 0, time.UTC)
	var papers []feedPaper
	for d := first; d.Before(time.Date(2025, 9, 15, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		if day := d.Format(time.DateOnly); day != empty {
			papers = append(papers, feedPaper{id: fmt.Sprintf("2509.%05d", len(papers)+1), day: day,
				title: "Paper of " + day, abstract: "Findings.", cats: []string{"cs.LG"}, upvotes: len(papers)})
		}
	}
	seedFeed(t, st, papers)
	daily1 := subscribe(t, st, store.Subscription{Email: "daily1@example.org", Frequency: store.Daily}, true)
	daily2 := subscribe(t, st, store.Subscription{Email: "daily2@example.org", Frequency: store.Daily}, true)
	weekly := subscribe(t, st, store.Subscription{Email: "weekly@example.org", Frequency: store.Weekly}, true)

	clock := &fixedClock{}
	composer := &digest.Composer{Store: st, Signer: newSigner(t), BaseURL: "https://papers.example.org", SiteName: "Daily Papers"}
	r := &digest.Runner{Store: st, Composer: composer, Mail: smtpTo(t, mp.SMTPHost, mp.SMTPPort), Log: quiet}

	// The titles of the papers of the days from..to, sorted.
	between := func(from, to time.Time) []string {
		var out []string
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			if day := d.Format(time.DateOnly); day != empty {
				out = append(out, "Paper of "+day)
			}
		}
		slices.Sort(out)
		return out
	}

	total, dailies, weeklies, skippedRuns := 0, 0, 0, 0
	// Two weeks, from Monday Sep 1 to Monday Sep 15 (for the second
	// week's weekly digest).
	for day := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC); !day.After(time.Date(2025, 9, 15, 0, 0, 0, 0, time.UTC)); day = day.AddDate(0, 0, 1) {
		name := day.Format("Mon 2006-01-02")
		weekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
		monday := day.Weekday() == time.Monday
		// The days the daily digest covers: since the previous weekday.
		var dailyCovers []string
		if !weekend {
			back := 1
			if monday {
				back = 3
			}
			dailyCovers = between(day.AddDate(0, 0, -back), day.AddDate(0, 0, -1))
		}
		wantDaily := len(dailyCovers) > 0

		// Before the hour nothing is due; at 9 and again at 17 the same
		// periods are due, and the second run sends nothing new.
		for i, hour := range []int{7, 9, 17} {
			clock.t = day.Add(time.Duration(hour) * time.Hour)
			due := digest.Due(clock.t, time.UTC, 8)
			var keys []string
			for _, p := range due {
				keys = append(keys, p.Key)
			}
			var want []string
			if hour >= 8 && !weekend {
				want = append(want, "daily:"+day.Format(time.DateOnly))
				if monday {
					y, w := day.AddDate(0, 0, -7).ISOWeek()
					want = append(want, fmt.Sprintf("weekly:%d-W%02d", y, w))
				}
			}
			if !slices.Equal(keys, want) {
				t.Fatalf("%s %02d:00: due %q, want %q", name, hour, keys, want)
			}
			c, err := r.Run(ctx, due, clock.now)
			if err != nil {
				t.Fatalf("%s %02d:00: %v", name, hour, err)
			}
			var wantC digest.Counts
			if len(due) > 0 {
				if wantDaily {
					wantC.Queued += 2
				} else {
					wantC.Skipped += 2
				}
				if monday {
					wantC.Queued++
				}
				if i == 2 { // queued already
					wantC.Queued = 0
				}
				wantC.Sent = wantC.Queued
			}
			if c != wantC {
				t.Errorf("%s %02d:00: %+v, want %+v", name, hour, c, wantC)
			}
			if c.Skipped > 0 {
				skippedRuns++
				runs, err := st.DigestRuns(ctx, 1)
				if err != nil {
					t.Fatal(err)
				}
				if len(runs) != 1 || runs[0].Period != "daily:"+day.Format(time.DateOnly) || runs[0].Skipped != 2 || runs[0].Queued != 0 || runs[0].Sent != 0 {
					t.Errorf("%s: the run of the empty period: %+v", name, runs)
				}
			}
		}

		before := total
		if wantDaily {
			total += 2
			dailies++
		}
		if monday {
			total++
			weeklies++
		}
		msgs := settle(t, mp, total)
		got := byRecipient(t, mp, msgs[before:])
		for _, sub := range []store.Subscription{daily1, daily2} {
			if !wantDaily {
				if len(got[sub.Email]) != 0 {
					t.Errorf("%s: %s got %d mails, want none", name, sub.Email, len(got[sub.Email]))
				}
				continue
			}
			if len(got[sub.Email]) != 1 {
				t.Errorf("%s: %s got %d mails, want 1", name, sub.Email, len(got[sub.Email]))
				continue
			}
			f := got[sub.Email][0]
			trending, _, _ := textSections(t, f.Text)
			slices.Sort(trending)
			if !slices.Equal(trending, dailyCovers) {
				t.Errorf("%s: the daily digest holds %q, want %q", name, trending, dailyCovers)
			}
			papers := fmt.Sprintf("%d papers", len(dailyCovers))
			if len(dailyCovers) == 1 {
				papers = "1 paper"
			}
			if want := fmt.Sprintf("Daily Papers: %s for %s", papers, day.Format("Monday, Jan 2")); f.Subject != want {
				t.Errorf("%s: subject %q, want %q", name, f.Subject, want)
			}
		}
		if !monday {
			if len(got[weekly.Email]) != 0 {
				t.Errorf("%s: the weekly subscriber got %d mails", name, len(got[weekly.Email]))
			}
			continue
		}
		if len(got[weekly.Email]) != 1 {
			t.Errorf("%s: the weekly subscriber got %d mails, want 1", name, len(got[weekly.Email]))
			continue
		}
		f := got[weekly.Email][0]
		lastMonday := day.AddDate(0, 0, -7)
		want := between(lastMonday, day.AddDate(0, 0, -1))
		trending, _, _ := textSections(t, f.Text)
		slices.Sort(trending)
		if !slices.Equal(trending, want) {
			t.Errorf("%s: the weekly digest holds %q, want %q", name, trending, want)
		}
		if ws := fmt.Sprintf("Daily Papers: the week's %d papers, the week of %s", len(want), lastMonday.Format("Jan 2")); f.Subject != ws {
			t.Errorf("%s: weekly subject %q, want %q", name, f.Subject, ws)
		}
	}
	if dailies != 10 || weeklies != 3 || skippedRuns != 2 {
		t.Errorf("%d daily and %d weekly digests, %d runs that skipped: want 10, 3 and 2", dailies, weeklies, skippedRuns)
	}
}

// fakeMX is an in-process SMTP server whose answers a test chooses per
// recipient.
type fakeMX struct {
	host string
	port int

	mu    sync.Mutex
	rcpt  map[string]*gosmtp.SMTPError // the answer to RCPT TO; none accepts
	drop  map[string]bool              // close the connection after the final dot, without a reply
	tries map[string]int               // RCPT TO commands per address
	data  map[string]int               // whole messages received (the final dot read) per address
}

func startMX(t *testing.T) *fakeMX {
	t.Helper()
	f := &fakeMX{rcpt: map[string]*gosmtp.SMTPError{}, drop: map[string]bool{}, tries: map[string]int{}, data: map[string]int{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &mxSession{f: f, c: c}, nil
	}))
	srv.Domain = "mx.example.org"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	f.host, f.port = "127.0.0.1", l.Addr().(*net.TCPAddr).Port
	return f
}

func (f *fakeMX) set(addr string, rcpt *gosmtp.SMTPError, drop bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rcpt[addr], f.drop[addr] = rcpt, drop
}

// counts returns the RCPT TO commands and the messages received for addr.
func (f *fakeMX) counts(addr string) (tries, data int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tries[addr], f.data[addr]
}

type mxSession struct {
	f  *fakeMX
	c  *gosmtp.Conn
	to string
}

func (s *mxSession) Reset()                                 { s.to = "" }
func (s *mxSession) Logout() error                          { return nil }
func (s *mxSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *mxSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.tries[to]++
	if e := s.f.rcpt[to]; e != nil {
		return e
	}
	s.to = to
	return nil
}

func (s *mxSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err // cut short: no final dot, nothing received
	}
	s.f.mu.Lock()
	s.f.data[s.to]++
	drop := s.f.drop[s.to]
	s.f.mu.Unlock()
	if drop {
		s.c.Conn().Close()
	}
	return nil
}

var (
	busyReply   = &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 2, 1}, Message: "Mailbox busy, try again later"}
	noUserReply = &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
)

func jobOf(t *testing.T, st store.Store, period string, subID int64) store.MailJob {
	t.Helper()
	jobs, err := st.MailJobs(context.Background(), period)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.SubscriptionID == subID {
			return j
		}
	}
	t.Fatalf("no job of %s for subscription %d in %+v", period, subID, jobs)
	return store.MailJob{}
}

func TestTemporaryAndPermanentFailures(t *testing.T) {
	// A paper on every day from Tuesday Sep 2 to Sunday Sep 7.
	var papers []feedPaper
	for d := 2; d <= 7; d++ {
		papers = append(papers, feedPaper{id: fmt.Sprintf("2509.%05d", d), day: fmt.Sprintf("2025-09-%02d", d),
			title: fmt.Sprintf("Paper %d", d), abstract: "Results.", cats: []string{"cs.AI"}, upvotes: d})
	}

	t.Run("4xx retried, 5xx failed and blocked", func(t *testing.T) {
		ctx := context.Background()
		st := openStore(t)
		seedFeed(t, st, papers)
		mx := startMX(t)
		ok := subscribe(t, st, store.Subscription{Email: "ok@example.org", Frequency: store.Daily}, true)
		busy := subscribe(t, st, store.Subscription{Email: "busy@example.org", Frequency: store.Daily}, true)
		nouser := subscribe(t, st, store.Subscription{Email: "nouser@example.org", Frequency: store.Daily}, true)
		mx.set(busy.Email, busyReply, false)
		mx.set(nouser.Email, noUserReply, false)

		clock := &fixedClock{time.Date(2025, 9, 3, 9, 0, 0, 0, time.UTC)}
		composer := &digest.Composer{Store: st, Signer: newSigner(t), BaseURL: "https://papers.example.org", SiteName: "Daily Papers"}
		r := &digest.Runner{Store: st, Composer: composer, Mail: smtpTo(t, mx.host, mx.port), Log: quiet}

		wed := digest.Daily(clock.t)
		c, err := r.Run(ctx, []digest.Period{wed}, clock.now)
		if err != nil {
			t.Fatal(err)
		}
		if c != (digest.Counts{Queued: 3, Sent: 1, Failed: 1, Retried: 1}) {
			t.Errorf("Wednesday: %+v, want 3 queued, 1 sent, 1 failed, 1 to retry", c)
		}
		if runs, err := st.DigestRuns(ctx, 1); err != nil || len(runs) != 1 || runs[0].Sent != 1 || runs[0].Failed != 1 || !strings.Contains(runs[0].Note, "1 to retry") {
			t.Errorf("the run: %+v, %v", runs, err)
		}
		bj := jobOf(t, st, wed.Key, busy.ID)
		if bj.State != store.JobQueued || !bj.NextAt.After(clock.t) || bj.Attempts != 1 || !strings.Contains(bj.LastError, "451") || bj.Claim != "" {
			t.Errorf("the 451 job: %+v; want queued again for later", bj)
		}
		if j := jobOf(t, st, wed.Key, nouser.ID); j.State != store.JobFailed || !strings.Contains(j.LastError, "550") {
			t.Errorf("the 550 job: %+v; want failed", j)
		}
		if s := reload(t, st, nouser.ID); s.Failures != 1 || !s.BlockedAt.IsZero() {
			t.Errorf("after one 550: failures %d, blocked at %v", s.Failures, s.BlockedAt)
		}

		// Not yet due: nothing is tried.
		for _, d := range []time.Duration{0, bj.NextAt.Sub(clock.t) - time.Second} {
			at := clock.t.Add(d)
			if c, err := r.Send(ctx, func() time.Time { return at }); err != nil || c != (digest.Counts{}) {
				t.Errorf("Send at %v, before the retry is due: %+v, %v", at, c, err)
			}
		}
		if tries, _ := mx.counts(busy.Email); tries != 1 {
			t.Errorf("busy tried %d times before its retry was due", tries)
		}

		// Due, and the server accepts it now.
		mx.set(busy.Email, nil, false)
		clock.t = bj.NextAt
		if c, err := r.Send(ctx, clock.now); err != nil || c != (digest.Counts{Sent: 1}) {
			t.Errorf("the retry: %+v, %v; want 1 sent", c, err)
		}
		if j := jobOf(t, st, wed.Key, busy.ID); j.State != store.JobSent || j.Attempts != 2 {
			t.Errorf("the retried job: %+v", j)
		}
		if c, err := r.Send(ctx, func() time.Time { return clock.t.Add(time.Hour) }); err != nil || c != (digest.Counts{}) {
			t.Errorf("Send after everything was sent: %+v, %v", c, err)
		}

		// Two more periods of 550s block the address; the others go on.
		for i, day := range []int{4, 5} {
			clock.t = time.Date(2025, 9, day, 9, 0, 0, 0, time.UTC)
			c, err := r.Run(ctx, []digest.Period{digest.Daily(clock.t)}, clock.now)
			if err != nil || c != (digest.Counts{Queued: 3, Sent: 2, Failed: 1}) {
				t.Errorf("Sep %d: %+v, %v; want 3 queued, 2 sent, 1 failed", day, c, err)
			}
			s := reload(t, st, nouser.ID)
			if blocked := i == 1; s.Failures != 2+i || s.BlockedAt.IsZero() == blocked {
				t.Errorf("Sep %d: failures %d, blocked at %v; want %d, blocked %v", day, s.Failures, s.BlockedAt, 2+i, blocked)
			}
		}
		if s := reload(t, st, nouser.ID); s.Active() {
			t.Error("the blocked subscription is still active")
		}

		// Monday: nothing is queued for the blocked address any more.
		clock.t = time.Date(2025, 9, 8, 9, 0, 0, 0, time.UTC)
		mon := digest.Daily(clock.t)
		if c, err := r.Run(ctx, []digest.Period{mon}, clock.now); err != nil || c != (digest.Counts{Queued: 2, Sent: 2}) {
			t.Errorf("Monday: %+v, %v; want 2 queued and sent", c, err)
		}
		jobs, err := st.MailJobs(ctx, mon.Key)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j.SubscriptionID == nouser.ID {
				t.Errorf("a job for the blocked address: %+v", j)
			}
		}
		for _, tc := range []struct {
			addr        string
			tries, data int
		}{{ok.Email, 4, 4}, {busy.Email, 5, 4}, {nouser.Email, 3, 0}} {
			if tries, data := mx.counts(tc.addr); tries != tc.tries || data != tc.data {
				t.Errorf("%s: %d RCPT TO and %d messages, want %d and %d", tc.addr, tries, data, tc.tries, tc.data)
			}
		}
	})

	t.Run("connection dropped after the final dot", func(t *testing.T) {
		ctx := context.Background()
		st := openStore(t)
		seedFeed(t, st, papers)
		mx := startMX(t)
		ok := subscribe(t, st, store.Subscription{Email: "ok@example.org", Frequency: store.Daily}, true)
		drop := subscribe(t, st, store.Subscription{Email: "drop@example.org", Frequency: store.Daily}, true)
		mx.set(drop.Email, nil, true)

		start := time.Date(2025, 9, 3, 9, 0, 0, 0, time.UTC)
		clock := &fixedClock{start}
		composer := &digest.Composer{Store: st, Signer: newSigner(t), BaseURL: "https://papers.example.org", SiteName: "Daily Papers"}
		r := &digest.Runner{Store: st, Composer: composer, Mail: smtpTo(t, mx.host, mx.port), Log: quiet, Lease: 2 * time.Minute}

		wed := digest.Daily(clock.t)
		if c, err := r.Run(ctx, []digest.Period{wed}, clock.now); err != nil || c != (digest.Counts{Queued: 2, Sent: 1, Failed: 1}) {
			t.Errorf("Wednesday: %+v, %v; want 2 queued, 1 sent, 1 failed", c, err)
		}
		j := jobOf(t, st, wed.Key, drop.ID)
		if j.State != store.JobSending || j.MessageID != digest.MessageID(drop.ID, wed, "https://papers.example.org") {
			t.Errorf("the job whose answer was lost: %+v; want still sending", j)
		}
		// Within the lease it stays sending; after it, it is unknown. It
		// is never sent again, whatever runs later.
		for _, tc := range []struct {
			after time.Duration
			state string
		}{{time.Minute, store.JobSending}, {3 * time.Minute, store.JobUnknown}, {time.Hour, store.JobUnknown}} {
			clock.t = start.Add(tc.after)
			if c, err := r.Run(ctx, []digest.Period{wed}, clock.now); err != nil || c != (digest.Counts{}) {
				t.Errorf("%v later: %+v, %v; want nothing done", tc.after, c, err)
			}
			if j := jobOf(t, st, wed.Key, drop.ID); j.State != tc.state {
				t.Errorf("%v later: the job is %s, want %s", tc.after, j.State, tc.state)
			}
		}
		if tries, data := mx.counts(drop.Email); tries != 1 || data != 1 {
			t.Errorf("drop: %d RCPT TO and %d messages, want 1 and 1", tries, data)
		}
		// An uncertain delivery says nothing against the address: it
		// gets the next digest.
		if s := reload(t, st, drop.ID); s.Failures != 0 || !s.Active() {
			t.Errorf("after the lost answer: %+v", s)
		}
		mx.set(drop.Email, nil, false)
		clock.t = time.Date(2025, 9, 4, 9, 0, 0, 0, time.UTC)
		if c, err := r.Run(ctx, []digest.Period{digest.Daily(clock.t)}, clock.now); err != nil || c != (digest.Counts{Queued: 2, Sent: 2}) {
			t.Errorf("Thursday: %+v, %v; want 2 queued and sent", c, err)
		}
		for addr, want := range map[string]int{ok.Email: 2, drop.Email: 2} {
			if _, data := mx.counts(addr); data != want {
				t.Errorf("%s: %d messages, want %d", addr, data, want)
			}
		}
	})
}

// failingSearch is a search index that cannot answer yet.
type failingSearch struct{}

func (failingSearch) Matching(context.Context, string, time.Time, int) ([]paper.ID, error) {
	return nil, errors.New("the search index is not ready")
}

// A digest that cannot be composed waits for a later turn; the others go out.
func TestComposeFailureDoesNotHoldUpOthers(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	seedFeed(t, st, []feedPaper{{id: "2509.00002", day: "2025-09-02", title: "Paper", abstract: "Results.", cats: []string{"cs.AI"}, upvotes: 3}})
	mx := startMX(t)
	saved := subscribe(t, st, store.Subscription{Email: "saved@example.org", Frequency: store.Daily, Query: "agents"}, true)
	plain := subscribe(t, st, store.Subscription{Email: "plain@example.org", Frequency: store.Daily}, true)
	clock := &fixedClock{time.Date(2025, 9, 3, 9, 0, 0, 0, time.UTC)}
	composer := &digest.Composer{Store: st, Search: failingSearch{}, Signer: newSigner(t), BaseURL: "https://papers.example.org", SiteName: "Daily Papers"}
	r := &digest.Runner{Store: st, Composer: composer, Mail: smtpTo(t, mx.host, mx.port), Log: quiet}
	c, err := r.Run(ctx, []digest.Period{digest.Daily(clock.t)}, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	if c != (digest.Counts{Queued: 2, Sent: 1, Retried: 1}) {
		t.Errorf("counts %+v, want 2 queued, 1 sent, 1 to retry", c)
	}
	if _, data := mx.counts(plain.Email); data != 1 {
		t.Errorf("the plain subscriber got %d mails", data)
	}
	j := jobOf(t, st, digest.Daily(clock.t).Key, saved.ID)
	if j.State != store.JobQueued || !j.NextAt.After(clock.t) || !strings.Contains(j.LastError, "not ready") {
		t.Errorf("the saved-search job: %+v; want queued for later with the reason", j)
	}
}

// Workers send the queue between them: each digest once, none twice, and
// a second pass finds nothing left.
func TestSendWithWorkers(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	seedFeed(t, st, []feedPaper{{id: "2509.00002", day: "2025-09-02", title: "Paper", abstract: "Results.", cats: []string{"cs.AI"}, upvotes: 3}})
	mx := startMX(t)
	var emails []string
	for i := range 40 {
		s := subscribe(t, st, store.Subscription{Email: fmt.Sprintf("reader%02d@example.org", i), Frequency: store.Daily}, true)
		emails = append(emails, s.Email)
	}
	clock := &fixedClock{time.Date(2025, 9, 3, 9, 0, 0, 0, time.UTC)}
	composer := &digest.Composer{Store: st, Signer: newSigner(t), BaseURL: "https://papers.example.org", SiteName: "Daily Papers"}
	r := &digest.Runner{Store: st, Composer: composer, Mail: smtpTo(t, mx.host, mx.port), Log: quiet, Workers: 3}
	c, err := r.Run(ctx, []digest.Period{digest.Daily(clock.t)}, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	if c != (digest.Counts{Queued: 40, Sent: 40}) {
		t.Errorf("counts %+v, want 40 queued and sent", c)
	}
	for _, e := range emails {
		if _, data := mx.counts(e); data != 1 {
			t.Errorf("%s got %d mails", e, data)
		}
	}
	if c, err := r.Send(ctx, clock.now); err != nil || c != (digest.Counts{}) {
		t.Errorf("a second pass: %+v, %v", c, err)
	}
}
