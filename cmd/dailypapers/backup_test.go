package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// votedPaper is the i-th paper of the test's catalogue.
func votedPaper(i int) paper.ID { return paper.ID(fmt.Sprintf("2501.%05d", i+1)) }

// importPapers writes papers from..to-1 on the feed in one import.
func importPapers(ctx context.Context, st store.Store, from, to int) error {
	im, err := st.BeginImport(ctx)
	if err != nil {
		return err
	}
	defer im.Rollback()
	recs := make([]store.Record, 0, to-from)
	day := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	for i := from; i < to; i++ {
		p := paper.Paper{ID: votedPaper(i), Title: fmt.Sprintf("Paper %d", i), Abstract: "Written while a backup is taken.", Published: day}
		recs = append(recs, store.Record{Paper: p, Submission: &store.Submission{Day: "2025-01-02", SubmittedAt: day}})
	}
	if _, err := im.Write(ctx, recs); err != nil {
		return err
	}
	return im.Commit()
}

// TestBackupWhileWriting takes a backup of a running site while three
// signed-in people vote through it and imports go on in another process,
// restores the backup into a new data directory, and finds in it every
// vote the site acknowledged before the backup began, and every import
// committed before then; then the restored site serves.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	const papers, voters, votesEach = 240, 3, 80 // under the vote limits of an account and an address
	st, err := sqlite.Open(ctx, filepath.Join(data, "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := importPapers(ctx, st, 0, papers); err != nil {
		t.Fatal(err)
	}
	cookies := make([]string, voters)
	userIDs := make([]int64, voters)
	for v := range voters {
		a, err := st.CreateAccount(ctx, store.Account{User: store.User{Username: fmt.Sprintf("voter%d", v)}, Email: fmt.Sprintf("voter%d@example.org", v), PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		token, hash := auth.NewSessionToken()
		if err := st.CreateSession(ctx, store.Session{TokenHash: hash, UserID: a.ID, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		cookies[v], userIDs[v] = token, a.ID
	}
	st.Close()

	addr := freeAddr(t)
	serveCtx, stopServe := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- run(serveCtx, []string{"serve", "--data", data, "--addr", addr, "--demo=false", "--embedder", "none",
			"--harvest-categories", "", "--stars-every", "0", "--access-log=false"}, io.Discard, io.Discard)
	}()
	getUntil(t, "http://"+addr+"/healthz")

	// The writers: each voter votes for its own papers one after another
	// and notes when each vote was acknowledged; an importer in a process
	// of its own (a store of its own) adds papers in batches, pausing between them.
	var (
		mu       sync.Mutex
		acked    = make([]map[paper.ID]time.Time, voters)
		imported []time.Time // when each batch committed
		nacked   int
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	for v := range voters {
		acked[v] = map[paper.ID]time.Time{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range votesEach {
				select {
				case <-stop:
					return
				default:
				}
				id := votedPaper(v*votesEach + i)
				req, _ := http.NewRequest("POST", "http://"+addr+"/vote", strings.NewReader(url.Values{"paper": {string(id)}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Accept", "application/json")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				req.AddCookie(&http.Cookie{Name: "dp_session", Value: cookies[v]})
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Errorf("vote: %v", err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("vote %s: %d %s", id, resp.StatusCode, body)
					return
				}
				mu.Lock()
				acked[v][id] = time.Now()
				nacked++
				mu.Unlock()
				// Paced: a voter has votesEach votes in all, and they
				// must last past the backup (about 8 s here), or a fast
				// site spends them all before the backup ends and none
				// is left to show it went on taking votes after.
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		other, err := sqlite.Open(ctx, filepath.Join(data, "dailypapers.db"))
		if err != nil {
			t.Error(err)
			return
		}
		defer other.Close()
		for b := 0; ; b++ {
			select {
			case <-stop:
				return
			default:
			}
			from := papers + b*50
			if err := importPapers(ctx, other, from, from+50); err != nil {
				t.Errorf("import: %v", err)
				return
			}
			mu.Lock()
			imported = append(imported, time.Now())
			mu.Unlock()
			// Imports back to back would hold SQLite's one write lock
			// nearly all the time, and votes could wait past the busy
			// timeout (a 503): real imports come a file at a time.
			time.Sleep(100 * time.Millisecond)
		}
	}()
	waitFor := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			mu.Lock()
			done := nacked >= n && len(imported) >= 2
			mu.Unlock()
			if done {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the writers did not get to %d votes", n)
			}
		}
	}
	waitFor(60)
	backup := filepath.Join(t.TempDir(), "backup.db")
	began := time.Now()
	if out, _, err := runCmd(t, "backup", "--data", data, "--to", backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	mu.Lock()
	during := nacked
	mu.Unlock()
	waitFor(during + 30) // the site went on taking votes after the backup
	close(stop)
	wg.Wait()
	stopServe()
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}

	restored := t.TempDir()
	if out, _, err := runCmd(t, "restore", "--data", restored, "--from", backup); err != nil || !strings.Contains(out, "checked whole") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	rs, err := sqlite.Open(ctx, filepath.Join(restored, "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	before := 0
	for v := range voters {
		var ids []paper.ID
		for id, at := range acked[v] {
			if at.Before(began) {
				ids = append(ids, id)
			}
		}
		before += len(ids)
		voted, err := rs.Voted(ctx, userIDs[v], ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if !voted[id] {
				t.Errorf("voter%d's vote for %s, acknowledged before the backup began, is not in it", v, id)
			}
		}
	}
	batchesBefore := 0
	for _, at := range imported {
		if at.Before(began) {
			batchesBefore++
		}
	}
	stats, err := rs.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := papers + 50*batchesBefore; stats.Papers < want {
		t.Errorf("the backup holds %d papers; %d were committed before it began", stats.Papers, want)
	}
	rs.Close()
	t.Logf("%d votes acknowledged before the backup, %d in all; %d import batches before it, %d in all; the backup holds %d papers",
		before, nacked, batchesBefore, len(imported), stats.Papers)
	if before == 0 || nacked == before {
		t.Errorf("votes before the backup: %d of %d; the test wants writes on both sides of it", before, nacked)
	}

	// The restored site serves: its feed and a voted paper's count.
	addr2 := freeAddr(t)
	ctx2, stop2 := context.WithCancel(ctx)
	defer func() {
		stop2()
		<-served
	}()
	go func() {
		served <- run(ctx2, []string{"serve", "--data", restored, "--addr", addr2, "--demo=false", "--embedder", "none",
			"--harvest-categories", "", "--stars-every", "0", "--access-log=false"}, io.Discard, io.Discard)
	}()
	if code, body := getUntil(t, "http://"+addr2+"/"); code != http.StatusOK || !strings.Contains(body, "Paper ") {
		t.Errorf("the restored site's home page: %d\n%.300s", code, body)
	}
	if code, body := getUntil(t, "http://"+addr2+"/api/papers/"+string(votedPaper(0))); code != http.StatusOK || !strings.Contains(body, `"upvotes":1`) {
		t.Errorf("the restored site's first voted paper: %d %s", code, body)
	}
}

// On PostgreSQL backup and restore say what to use instead; without a
// file to write or read they say which flag is missing.
func TestBackupCommandRefusals(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"backup", "--db", "postgres://u:p@db/papers", "--to", "x.db"}, "pg_dump"},
		{[]string{"restore", "--db", "postgres://u:p@db/papers", "--from", "x.db"}, "pg_restore"},
		{[]string{"backup", "--data", t.TempDir()}, "--to"},
		{[]string{"restore", "--data", t.TempDir()}, "--from"},
	} {
		_, _, err := runCmd(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error naming %s", c.args, err, c.want)
		}
	}
}
