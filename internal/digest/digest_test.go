package digest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPeriods(t *testing.T) {
	for _, tc := range []struct {
		p                 Period
		key, from, to, lb string
	}{
		{Daily(day("2025-09-03")), "daily:2025-09-03", "2025-09-02", "2025-09-02", "Wednesday, Sep 3"},
		// Monday's daily digest covers the weekend and Friday.
		{Daily(day("2025-09-08")), "daily:2025-09-08", "2025-09-05", "2025-09-07", "Monday, Sep 8"},
		{Weekly(day("2025-09-03")), "weekly:2025-W36", "2025-09-01", "2025-09-07", "the week of Sep 1"},
		{Weekly(day("2025-09-07")), "weekly:2025-W36", "2025-09-01", "2025-09-07", "the week of Sep 1"},
		// ISO weeks cross years: Monday 2024-12-30 is in 2025-W01.
		{Weekly(day("2025-01-01")), "weekly:2025-W01", "2024-12-30", "2025-01-05", "the week of Dec 30"},
	} {
		if tc.p.Key != tc.key || tc.p.From != tc.from || tc.p.To != tc.to || tc.p.Label != tc.lb {
			t.Errorf("got %+v, want %s %s..%s %q", tc.p, tc.key, tc.from, tc.to, tc.lb)
		}
		back, err := ParsePeriod(tc.p.Key)
		if err != nil || back != tc.p {
			t.Errorf("ParsePeriod(%s) = %+v, %v", tc.p.Key, back, err)
		}
	}
	for _, bad := range []string{"", "daily:2025-13-01", "weekly:2025-W54", "weekly:2021-W53", "monthly:2025-09", "weekly:2025-W5"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
}

func TestDue(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	keys := func(ps []Period) string {
		var ks []string
		for _, p := range ps {
			ks = append(ks, p.Key)
		}
		return strings.Join(ks, " ")
	}
	for _, tc := range []struct {
		now  time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2025, 9, 3, 7, 59, 0, 0, time.UTC), time.UTC, ""},
		{time.Date(2025, 9, 3, 8, 0, 0, 0, time.UTC), time.UTC, "daily:2025-09-03"},
		{time.Date(2025, 9, 6, 12, 0, 0, 0, time.UTC), time.UTC, ""}, // Saturday
		{time.Date(2025, 9, 8, 9, 0, 0, 0, time.UTC), time.UTC, "daily:2025-09-08 weekly:2025-W36"},
		// 06:30 UTC is 08:30 in Berlin in summer: due there, not in UTC.
		{time.Date(2025, 9, 3, 6, 30, 0, 0, time.UTC), berlin, "daily:2025-09-03"},
		{time.Date(2025, 9, 3, 6, 30, 0, 0, time.UTC), time.UTC, ""},
		// Sunday 23:30 UTC is Monday in Berlin.
		{time.Date(2025, 9, 7, 23, 30, 0, 0, time.UTC), berlin, ""},
		{time.Date(2025, 9, 8, 6, 0, 0, 0, time.UTC), berlin, "daily:2025-09-08 weekly:2025-W36"},
	} {
		if got := keys(Due(tc.now, tc.loc, 8)); got != tc.want {
			t.Errorf("Due(%v in %v) = %q, want %q", tc.now, tc.loc, got, tc.want)
		}
	}
}

func TestTokens(t *testing.T) {
	s, err := NewSigner(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSigner([]byte("short")); err == nil {
		t.Error("a short key was accepted")
	}
	now := time.Date(2025, 9, 3, 8, 0, 0, 0, time.UTC)
	tok := s.Sign(PurposeManage, 42, now.Add(time.Hour))
	if id, err := s.Verify(tok, PurposeManage, now); err != nil || id != 42 {
		t.Errorf("Verify = %d, %v", id, err)
	}
	if _, err := s.Verify(tok, PurposeManage, now.Add(time.Hour)); err != ErrBadToken {
		t.Errorf("an expired token: %v", err)
	}
	if _, err := s.Verify(tok, PurposeConfirm, now); err != ErrBadToken {
		t.Errorf("a token of another purpose: %v", err)
	}
	forever := s.Sign(PurposeUnsubscribe, 7, time.Time{})
	if id, err := s.Verify(forever, PurposeUnsubscribe, now.AddDate(30, 0, 0)); err != nil || id != 7 {
		t.Errorf("an unsubscribe token expired: %d %v", id, err)
	}
	other, _ := NewSigner(bytes.Repeat([]byte("x"), 32))
	if _, err := other.Verify(tok, PurposeManage, now); err != ErrBadToken {
		t.Errorf("another key's token: %v", err)
	}
	// Any change to a token makes it invalid.
	for i := range tok {
		b := []byte(tok)
		b[i] ^= 0x01
		if id, err := s.Verify(string(b), PurposeManage, now); err == nil {
			t.Fatalf("a token changed at byte %d verified (id %d)", i, id)
		}
	}
	for _, bad := range []string{"", ".", "abc", tok + "x", strings.Repeat("a", 300)} {
		if _, err := s.Verify(bad, PurposeManage, now); err != ErrBadToken {
			t.Errorf("Verify(%q) = %v", bad, err)
		}
	}
}

func TestFilters(t *testing.T) {
	p := paper.Paper{Title: "Diffusion Transformers for Speech", Abstract: "We train a text-to-speech model.", Categories: []string{"eess.AS", "cs.CL"}}
	lower := " " + strings.ToLower(p.Title+" "+p.Abstract) + " "
	for _, tc := range []struct {
		cats, kws []string
		want      bool
	}{
		{[]string{"cs.CL"}, nil, true},
		{[]string{"cs"}, nil, true},
		{[]string{"CS.cl"}, nil, true},
		{[]string{"cs.C"}, nil, false},
		{[]string{"c"}, nil, false},
		{[]string{"cs.CV"}, nil, false},
		{nil, []string{"diffusion"}, true},
		{nil, []string{"text-to-speech"}, true},
		{nil, []string{"speech model"}, true},
		{nil, []string{"transform"}, false}, // whole words only
		{nil, []string{"model."}, true},
		{nil, []string{"fusion"}, false},
	} {
		got := paper.InCategories(p.Categories, tc.cats) || hasKeyword(lower, tc.kws)
		if got != tc.want {
			t.Errorf("categories %v keywords %v: %v, want %v", tc.cats, tc.kws, got, tc.want)
		}
	}
	sub := store.Subscription{Categories: []string{"cs.CL"}, Keywords: []string{"world model"}, Query: `"agents" -survey`}
	if got := describe(&sub); got != `categories cs.CL; keywords “world model”; the search “"agents" -survey”` {
		t.Errorf("describe = %q", got)
	}
}

func TestCompleted(t *testing.T) {
	end := time.Date(2025, 9, 3, 8, 1, 0, 0, time.UTC)
	for _, tc := range []struct {
		run  store.DigestRun
		want bool
	}{
		{store.DigestRun{FinishedAt: end}, true},
		{store.DigestRun{FinishedAt: end, Note: "3 to retry"}, true},
		{store.DigestRun{}, false}, // still running, or its process died
		{store.DigestRun{FinishedAt: end, Note: "store: claim: connection refused"}, false},
		{store.DigestRun{FinishedAt: end, Note: "3 to retry and more"}, false},
	} {
		if got := Completed(tc.run); got != tc.want {
			t.Errorf("Completed(%+v) = %v, want %v", tc.run, got, tc.want)
		}
	}
}
