package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/dbcopy"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"

	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
)

// site is a SQLite site with rows in every table, and what the test needs
// to look them up again.
type site struct {
	path     string
	day      string
	papers   []paper.ID
	ada, bob store.Account
	comment  int64
	// collection is the id of ada's collection.
	collection int64
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// buildSite imports the test feed through the import command, then writes
// accounts, a session, votes, comments with a reply, a report, a token, a
// reset, subscriptions, mail jobs, a digest run and vectors through the
// store.
func buildSite(t *testing.T) site {
	t.Helper()
	dir := t.TempDir()
	if out, errOut, err := runCmd(t, "import", "--data", dir, "../../internal/ingest/testdata/hf-daily-papers.jsonl"); err != nil {
		t.Fatalf("import: %v\n%s%s", err, out, errOut)
	}
	s := site{path: filepath.Join(dir, "dailypapers.db")}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, s.path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	changed, err := st.ChangedPapers(ctx, store.Cursor{}, 1000)
	must(err)
	for _, c := range changed {
		s.papers = append(s.papers, c.Paper.ID)
	}
	if len(s.papers) < 3 {
		t.Fatalf("the import gave %d papers", len(s.papers))
	}
	s.day, err = st.LatestFeedDay(ctx)
	must(err)
	now := time.Now().UTC().Truncate(time.Millisecond)

	s.ada, err = st.CreateAccount(ctx, store.Account{User: store.User{Username: "Ada", Fullname: "Ada Lovelace"},
		Email: "Ada@Example.org", PasswordHash: "argon2id$ada", Admin: true})
	must(err)
	s.bob, err = st.CreateAccount(ctx, store.Account{User: store.User{Username: "bob"}, Email: "bob@example.org", PasswordHash: "argon2id$bob"})
	must(err)
	must(st.SetDisabled(ctx, s.bob.ID, now))
	must(st.SetDisabled(ctx, s.bob.ID, time.Time{}))
	must(st.CreateSession(ctx, store.Session{TokenHash: hash("session"), UserID: s.ada.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	for _, v := range []struct {
		user int64
		id   paper.ID
	}{{s.ada.ID, s.papers[0]}, {s.bob.ID, s.papers[0]}, {s.ada.ID, s.papers[1]}, {s.bob.ID, s.papers[2]}} {
		_, err := st.Vote(ctx, v.user, v.id, true)
		must(err)
	}
	top, err := st.AddComment(ctx, store.Comment{PaperID: s.papers[0], Author: store.User{ID: s.ada.ID}, Body: "First, with *Markdown* and ünïcode.", Key: "form-1"})
	must(err)
	reply, err := st.AddComment(ctx, store.Comment{PaperID: s.papers[0], ParentID: top.ID, Author: store.User{ID: s.bob.ID}, Body: "A reply.", HTML: "<p>A reply.</p>\n"})
	must(err)
	other, err := st.AddComment(ctx, store.Comment{PaperID: s.papers[1], Author: store.User{ID: s.bob.ID}, Body: "Hidden later."})
	must(err)
	must(st.EditComment(ctx, top.ID, "First, edited.", "<p>First, edited.</p>\n", now)) // "Hidden later." keeps no HTML
	must(st.HideComment(ctx, other.ID, true))
	s.comment = top.ID
	_, err = st.ReportComment(ctx, store.Report{CommentID: reply.ID, ReporterID: s.ada.ID, Reason: "off topic"})
	must(err)
	_, err = st.CreateAPIToken(ctx, store.APIToken{UserID: s.ada.ID, Name: "laptop", Prefix: "dp_abcd", TokenHash: hash("token")})
	must(err)
	must(st.CreatePasswordReset(ctx, store.PasswordReset{TokenHash: hash("reset"), UserID: s.bob.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	// A reader's library: saved papers and a collection with a note.
	must(st.SavePaper(ctx, s.ada.ID, s.papers[1], now, 0))
	must(st.SavePaper(ctx, s.ada.ID, s.papers[0], now, 0))
	coll, err := st.CreateCollection(ctx, store.Collection{Owner: s.ada.User, Title: "Lesen, später", Description: "ünïcode", Theme: "pink", CreatedAt: now}, 0)
	must(err)
	s.collection = coll.ID
	for _, id := range s.papers[:2] {
		_, err = st.AddCollectionItem(ctx, store.CollectionItem{CollectionID: coll.ID, Paper: paper.Paper{ID: id}, Note: "*why*", NoteHTML: "<p><em>why</em></p>\n", AddedAt: now}, 0)
		must(err)
	}
	daily, _, err := st.Subscribe(ctx, store.Subscription{Email: "Ada@Example.org", UserID: s.ada.ID, Frequency: store.Daily,
		Categories: []string{"cs.CL", "cs"}, Keywords: []string{"language model", "<agents> & \"tools\""}, Query: "retrieval"})
	must(err)
	must(st.ConfirmSubscription(ctx, daily.ID, now))
	weekly, _, err := st.Subscribe(ctx, store.Subscription{Email: "reader@example.net", Frequency: store.Weekly})
	must(err)
	must(st.ConfirmSubscription(ctx, weekly.ID, now))
	_, err = st.EnqueueDigests(ctx, "daily:"+s.day, []int64{daily.ID, weekly.ID}, now)
	must(err)
	job, err := st.ClaimMailJob(ctx, "claim-1", now, time.Minute)
	must(err)
	must(st.MarkSending(ctx, job.ID, "claim-1", "<1@example.org>"))
	must(st.MarkSent(ctx, job.ID, "claim-1", now))
	run, err := st.StartDigestRun(ctx, store.DigestRun{Period: "daily:" + s.day, StartedAt: now})
	must(err)
	run.FinishedAt, run.Queued, run.Sent, run.Note = now, 2, 1, "one left"
	must(st.FinishDigestRun(ctx, run))
	if ok, _, err := st.Throttle(ctx, "sign-in/address:192.0.2.1", 10, time.Minute, now); err != nil || !ok {
		t.Fatalf("Throttle: %v %v", ok, err)
	}
	must(st.SaveHarvestState(ctx, store.HarvestState{Source: "arxiv:cs", From: "2025-09-01", Token: "6960524|1001", Pages: 1, Records: 1000, UpdatedAt: now}))
	repo := "https://github.com/example/copied"
	must(st.RecordStars(ctx, repo, 12, true, now.Add(-24*time.Hour)))
	must(st.RecordStars(ctx, repo, 15, true, now))
	must(st.RecordStars(ctx, "https://github.com/example/gone", 0, false, now))
	if lead, err := st.Lead(ctx, "digests", "process-1", now, time.Minute); err != nil || !lead {
		t.Fatalf("Lead: %v %v", lead, err)
	}
	tasks, err := st.MissingVectors(ctx, "test-model", store.Cursor{}, 1000)
	must(err)
	var vs []store.Vector
	for i, task := range tasks {
		vs = append(vs, store.Vector{ID: task.ID, Rev: task.Rev, Vec: []float32{float32(i), 1, -0.5}})
	}
	must(st.PutVectors(ctx, "test-model", vs))
	must(st.PutVectors(ctx, "other-model", vs[:2]))
	// A reader's layer: a paper with categories (the imported feed has
	// none), a claim, a follow and a read mark.
	catPaper := paper.Paper{ID: "2509.99001", Title: "With categories", Authors: []paper.Author{{Name: "Ada Lovelace"}},
		Categories: []string{"cs.CL", "cs.LG"}, Published: now.Add(-48 * time.Hour)}
	_, err = st.Submit(ctx, store.NewSubmission{Paper: catPaper, UserID: s.ada.ID, Day: s.day, At: now})
	must(err)
	s.papers = append(s.papers, catPaper.ID)
	claim, err := st.ClaimAuthor(ctx, store.Claim{UserID: s.ada.ID, PaperID: catPaper.ID, Position: 0, CreatedAt: now})
	must(err)
	_, err = st.DecideClaim(ctx, claim.ID, true, now)
	must(err)
	must(st.Follow(ctx, store.Follow{UserID: s.bob.ID, Kind: store.FollowAuthor, Target: "ada lovelace", Label: "Ada Lovelace", CreatedAt: now}, 0))
	must(st.MarkRead(ctx, s.bob.ID, catPaper.ID, true, now))
	// For-you signals, of a paper and of a topic.
	must(st.AddSignal(ctx, s.bob.ID, store.Signal{Kind: store.SignalMoreLikeThis, Paper: s.papers[0], At: now},
		store.Signal{Kind: store.SignalSeedCategory, Subject: "cs.CL", At: now}))
	// A kept reader model, bytes as any (the copy carries the blob).
	must(st.SaveReaderModel(ctx, s.bob.ID, store.StoredModel{Version: 1, TrainedAt: now, Data: []byte{0, 1, 2, 0xff}}))
	must(st.HidePaper(ctx, s.papers[2], true))
	return s
}

// copyOK runs copy and checks that every table was copied whole.
func copyOK(t *testing.T, from, to string, extra ...string) string {
	t.Helper()
	out, errOut, err := runCmd(t, append([]string{"copy", "--from", from, "--to", to}, extra...)...)
	if err != nil {
		t.Fatalf("copy: %v\n%s%s", err, out, errOut)
	}
	for _, tb := range copiedTables(t, from) {
		line := tableLine(out, tb)
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "OK" || f[1] != f[2] {
			t.Errorf("copy's line for %s: %q", tb, line)
		}
	}
	if strings.Contains(out, "DIFFERENT") {
		t.Errorf("copy found differences:\n%s", out)
	}
	return out
}

// copiedTables lists the tables a copy of the file carries.
func copiedTables(t *testing.T, path string) []string {
	t.Helper()
	tables, err := dbcopy.Tables(context.Background(), path)
	if err != nil || len(tables) == 0 {
		t.Fatalf("the tables of %s: %q, %v", path, tables, err)
	}
	return tables
}

// tableLine is the line of copy's report about a table.
func tableLine(out, table string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, table+" ") {
			return l
		}
	}
	return ""
}

func TestCopyToPostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	s := buildSite(t)
	out := copyOK(t, s.path, dsn)
	for _, tb := range copiedTables(t, s.path) { // the site has rows in every table
		if f := strings.Fields(tableLine(out, tb)); len(f) < 2 || f[1] == "0" {
			t.Errorf("the test site has no rows in %s", tb)
		}
	}
	if !strings.Contains(out, "rows/s") {
		t.Errorf("no rate in\n%s", out)
	}
	t.Log(out)

	ctx := context.Background()
	lite, err := sqlite.Open(ctx, s.path)
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	same := func(what string, read func(st store.Store) (any, error)) {
		t.Helper()
		a, err := read(lite)
		if err != nil {
			t.Fatalf("%s in SQLite: %v", what, err)
		}
		b, err := read(pg)
		if err != nil {
			t.Fatalf("%s in PostgreSQL: %v", what, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s differs:\nSQLite     %+v\nPostgreSQL %+v", what, a, b)
		}
	}
	same("a paper", func(st store.Store) (any, error) { return st.Paper(ctx, s.papers[0]) })
	same("the feed of a day", func(st store.Store) (any, error) {
		return st.Feed(ctx, store.FeedQuery{From: s.day, To: s.day, Limit: 100})
	})
	same("an account by email", func(st store.Store) (any, error) { return st.AccountByEmail(ctx, "ada@example.org") })
	same("votes", func(st store.Store) (any, error) { return st.Voted(ctx, s.ada.ID, s.papers) })
	same("upvotes in order", func(st store.Store) (any, error) { return st.UserUpvotes(ctx, s.bob.ID, 10) })
	same("comments", func(st store.Store) (any, error) { return st.Comments(ctx, s.papers[0]) })
	same("a subscription", func(st store.Store) (any, error) { return st.SubscriptionByEmail(ctx, "ada@example.org") })
	same("the change feed", func(st store.Store) (any, error) {
		ps, err := st.ChangedPapers(ctx, store.Cursor{}, 1000)
		return len(ps), err
	})
	same("vectors", func(st store.Store) (any, error) { return st.ChangedVectors(ctx, "test-model", 0, 1000) })
	same("the version", func(st store.Store) (any, error) { return st.Version(ctx) })
	same("a session", func(st store.Store) (any, error) {
		a, _, err := st.SessionAccount(ctx, hash("session"), time.Now())
		return a, err
	})
	same("stats", func(st store.Store) (any, error) { return st.Stats(ctx) })
	same("saved papers", func(st store.Store) (any, error) { return st.SavedPapers(ctx, s.ada.ID, 10, 0) })
	same("a collection", func(st store.Store) (any, error) { return st.Collection(ctx, s.collection) })
	same("its items", func(st store.Store) (any, error) { return st.CollectionItems(ctx, s.collection, store.ItemQuery{}) })

	// New rows get new ids: the sequences were moved past the copied ones.
	carol, err := pg.CreateAccount(ctx, store.Account{User: store.User{Username: "carol"}, Email: "carol@example.org", PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if carol.ID <= s.bob.ID {
		t.Errorf("new account's id %d, not after %d", carol.ID, s.bob.ID)
	}
	c, err := pg.AddComment(ctx, store.Comment{PaperID: s.papers[0], ParentID: s.comment, Author: store.User{ID: carol.ID}, Body: "New."})
	if err != nil {
		t.Fatalf("a new comment: %v", err)
	}
	if _, err := pg.Vote(ctx, carol.ID, s.papers[0], true); err != nil {
		t.Fatal(err)
	}
	if ups, err := pg.UserUpvotes(ctx, carol.ID, 10); err != nil || len(ups) != 1 {
		t.Errorf("carol's upvotes: %d, %v", len(ups), err)
	}
	if _, _, err := pg.Subscribe(ctx, store.Subscription{Email: "carol@example.org", Frequency: store.Daily}); err != nil {
		t.Errorf("a new subscription: %v", err)
	}
	old, _ := pg.ChangedVectors(ctx, "test-model", 0, 1000)
	if err := pg.PutVectors(ctx, "test-model", []store.Vector{{ID: s.papers[0], Rev: 1 << 40, Vec: []float32{1, 0, 0}}}); err != nil {
		t.Fatal(err)
	}
	if vs, err := pg.ChangedVectors(ctx, "test-model", old[len(old)-1].Seq, 10); err != nil || len(vs) != 1 {
		t.Errorf("a new vector is not after the copied ones: %+v, %v", vs, err)
	}
	if cs, _ := pg.Comments(ctx, s.papers[0]); len(cs) == 0 || cs[len(cs)-1].ID != c.ID {
		t.Errorf("the new comment is not last: %+v", cs)
	}

	// The copy is done: copying again is refused, naming what is there.
	out, _, err = runCmd(t, "copy", "--from", s.path, "--to", dsn)
	if err == nil || !strings.Contains(err.Error(), "already holds") || !strings.Contains(err.Error(), "papers; copy into an empty database") {
		t.Errorf("a second copy into the full database: %v\n%s", err, out)
	}
}

func TestCopyResumes(t *testing.T) {
	dsn := pgtest.Schema(t)
	s := buildSite(t)
	ctx := context.Background()
	count := func(table string) int64 {
		t.Helper()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		var n int64
		if err := c.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Interrupted twice: after 3 batches of 7 rows (inside papers), then
	// after 10 more (past papers, inside users and the feed).
	t.Setenv(dbcopy.StopAfterEnv, "3")
	if _, _, err := runCmd(t, "copy", "--from", s.path, "--to", dsn, "--batch", "7"); err == nil || !strings.Contains(err.Error(), "run the same command again") {
		t.Fatalf("the interrupted copy: %v", err)
	}
	if n := count("papers"); n != 21 {
		t.Errorf("after 3 batches of 7, %d papers", n)
	}
	t.Setenv(dbcopy.StopAfterEnv, "10")
	out, _, err := runCmd(t, "copy", "--from", s.path, "--to", dsn, "--batch", "7")
	if err == nil || !strings.Contains(out, "resuming: papers continues after 21 rows") {
		t.Fatalf("the second interrupted copy: %v\n%s", err, out)
	}
	os.Unsetenv(dbcopy.StopAfterEnv)
	out = copyOK(t, s.path, dsn, "--batch", "7")
	if !strings.Contains(out, "resuming:") {
		t.Errorf("the last run did not resume:\n%s", out)
	}
	if n := count("papers"); n != int64(len(s.papers)) {
		t.Errorf("%d papers after the resumed copy, want %d", n, len(s.papers))
	}
	var exists bool
	c, _ := pgx.Connect(ctx, dsn)
	c.QueryRow(ctx, `SELECT to_regclass('copy_progress') IS NOT NULL`).Scan(&exists)
	c.Close(ctx)
	if exists {
		t.Error("copy_progress is left after a whole copy")
	}
	// The store works on the result.
	pg, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if a, err := pg.AccountByEmail(ctx, "bob@example.org"); err != nil || a.ID != s.bob.ID {
		t.Errorf("bob: %+v, %v", a, err)
	}
}

func TestCopyRefuses(t *testing.T) {
	notDB := filepath.Join(t.TempDir(), "notes.db")
	os.WriteFile(notDB, []byte("not a database at all, just words"), 0o644)
	for _, c := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"--to", "postgres://localhost/x"}, true, "--from"},
		{[]string{"--from", notDB}, true, "--to"},
		{[]string{"--from", notDB, "--to", "mysql://localhost/x"}, true, "PostgreSQL URL"},
		{[]string{"--from", notDB, "--to", "postgres://localhost/x", "--batch", "0"}, true, "--batch"},
		{[]string{"--from", filepath.Join(t.TempDir(), "missing.db"), "--to", "postgres://localhost/x"}, false, "no such file"},
		{[]string{"--from", notDB, "--to", "postgres://localhost/x"}, false, "not a SQLite database"},
	} {
		_, _, err := runCmd(t, append([]string{"copy"}, c.args...)...)
		var u usageError
		if err == nil || errors.As(err, &u) != c.usage || !strings.Contains(err.Error(), c.want) {
			t.Errorf("copy %q: %v, want a usage error %v saying %q", c.args, err, c.usage, c.want)
		}
	}
}

// A site written to between an interrupted copy and its resumption: the
// rows copied before differ, and the checksums say so.
func TestCopyFindsDifferences(t *testing.T) {
	dsn := pgtest.Schema(t)
	s := buildSite(t)
	t.Setenv(dbcopy.StopAfterEnv, "1")
	if _, _, err := runCmd(t, "copy", "--from", s.path, "--to", dsn, "--batch", "10"); err == nil {
		t.Fatal("the hook did not stop the copy")
	}
	os.Unsetenv(dbcopy.StopAfterEnv)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, s.path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Vote(ctx, s.bob.ID, s.papers[1], true) // papers.upvotes of a copied paper
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "copy", "--from", s.path, "--to", dsn, "--batch", "10")
	if err == nil || !strings.Contains(err.Error(), "1 table differs (papers)") {
		t.Errorf("copy of a changed site: %v", err)
	}
	if f := strings.Fields(tableLine(out, "papers")); len(f) < 4 || f[3] != "DIFFERENT" {
		t.Errorf("papers: %q", tableLine(out, "papers"))
	}
	if f := strings.Fields(tableLine(out, "votes")); len(f) < 4 || f[3] != "OK" {
		t.Errorf("votes: %q", tableLine(out, "votes"))
	}
}
