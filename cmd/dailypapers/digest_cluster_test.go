package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/mailpit"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// TestDigestTwoProcessesOnePostgres sends one period's digests from two
// processes on one PostgreSQL database at once, kills one of them with
// SIGKILL in the middle of its run, and lets a third run finish: every
// subscriber gets the digest once, except that the one job the killed
// process had handed to the mail server may end unknown (delivered or not,
// never sent twice).
func TestDigestTwoProcessesOnePostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	mp := mailpit.Start(t)
	bin := buildBinary(t)
	const n = 60
	st, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	subs := seedDigests(t, st, n)
	st.Close()

	// 20 mails a second each: the run takes a couple of seconds, long
	// enough to be killed in the middle.
	args := []string{"digest", "send", "--db", dsn, "--data", t.TempDir(), "--period", digestPeriod,
		"--smtp-host", mp.SMTPHost, "--smtp-port", strconv.Itoa(mp.SMTPPort), "--smtp-tls", "none",
		"--mail-rate", "20", "--secret", digestSecret, "--base-url", "http://example.test", "--lease", "500ms"}
	start := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin, args...)
		cmd.Env = cleanEnv()
		var out bytes.Buffer // the summary; the log goes to the test's output on failure only
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &out
	}
	a, aOut := start()
	b, bOut := start()
	// Kill A once a sixth of the digests have arrived.
	deadline := time.Now().Add(30 * time.Second)
	for len(mp.Messages(t)) < n/6 {
		if time.Now().After(deadline) {
			t.Fatalf("no mail arrived\nA: %s\nB: %s", aOut, bOut)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := a.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := a.Wait(); err == nil || err.Error() != "signal: killed" {
		t.Fatalf("A ended with %v, not killed\n%s", err, aOut)
	}
	if err := b.Wait(); err != nil {
		t.Fatalf("B: %v\n%s", err, bOut)
	}
	at := len(mp.Messages(t))
	t.Logf("A killed; B finished with %q; %d mails so far", bytes.TrimSpace(bOut.Bytes()), at)
	// A third run, after A's claims have run out, sends what A left.
	time.Sleep(time.Second)
	c, cOut := start()
	if err := c.Wait(); err != nil {
		t.Fatalf("the third run: %v\n%s", err, cOut)
	}
	t.Logf("the third run: %q", bytes.TrimSpace(cOut.Bytes()))

	st, err = postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	jobs, err := st.MailJobs(context.Background(), digestPeriod)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != n {
		t.Fatalf("%d jobs for %d subscriptions", len(jobs), n)
	}
	unknown := map[string]bool{}
	for _, j := range jobs {
		switch j.State {
		case store.JobSent:
		case store.JobUnknown:
			unknown[subs[j.SubscriptionID]] = true
		default:
			t.Errorf("job %d ended %s", j.ID, j.State)
		}
	}
	if len(unknown) > 1 {
		t.Errorf("%d jobs unknown; the killed process had one mail in hand at most", len(unknown))
	}
	want := n - len(unknown)
	mp.Wait(t, want, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	got := map[string]int{}
	for _, m := range mp.Messages(t) {
		for _, to := range m.To {
			got[to.Address]++
		}
	}
	for _, addr := range subs {
		switch {
		case got[addr] > 1:
			t.Errorf("%s got %d digests", addr, got[addr])
		case got[addr] == 0 && !unknown[addr]:
			t.Errorf("%s got no digest", addr)
		}
	}
}

// BenchmarkDigestSenders sends one period's digests to 2,000 subscribers
// through Mailpit with one, two and three "digest send" processes at once
// on one database, SQLite and (with DAILYPAPERS_TEST_POSTGRES) PostgreSQL,
// and reports the time until all are sent:
//
//	go test ./cmd/dailypapers -run '^$' -bench DigestSenders -benchtime 1x
func BenchmarkDigestSenders(b *testing.B) {
	bin := buildBinary(b)
	mp := mailpit.Start(b)
	const n = 2000
	backends := []string{"sqlite"}
	if os.Getenv(pgtest.Env) != "" {
		backends = append(backends, "postgres")
	}
	for _, backend := range backends {
		for _, senders := range []int{1, 2, 3} {
			b.Run(fmt.Sprintf("%s/senders=%d", backend, senders), func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					data := b.TempDir()
					db := []string{"--data", data}
					var st store.Store
					var err error
					if backend == "postgres" {
						dsn := pgtest.Schema(b)
						db = append(db, "--db", dsn)
						st, err = postgres.Open(context.Background(), dsn)
					} else {
						st, err = sqlite.Open(context.Background(), filepath.Join(data, "dailypapers.db"))
					}
					if err != nil {
						b.Fatal(err)
					}
					seedDigests(b, st, n)
					ids := make([]int64, 0, n)
					subs, err := st.ActiveSubscriptions(context.Background(), store.Daily, 0, n)
					if err != nil {
						b.Fatal(err)
					}
					for _, s := range subs {
						ids = append(ids, s.ID)
					}
					if _, err := st.EnqueueDigests(context.Background(), digestPeriod, ids, time.Now()); err != nil {
						b.Fatal(err)
					}
					st.Close()
					mp.DeleteAll(b)
					args := append([]string{"digest", "send", "--period", digestPeriod,
						"--smtp-host", mp.SMTPHost, "--smtp-port", strconv.Itoa(mp.SMTPPort), "--smtp-tls", "none",
						"--mail-rate", "0", "--secret", digestSecret, "--base-url", "http://example.test"}, db...)
					b.StartTimer()
					start := time.Now()
					cmds := make([]*exec.Cmd, senders)
					outs := make([]*bytes.Buffer, senders)
					for i := range cmds {
						cmds[i] = exec.Command(bin, args...)
						cmds[i].Env = cleanEnv()
						outs[i] = &bytes.Buffer{}
						cmds[i].Stdout = outs[i]
						if err := cmds[i].Start(); err != nil {
							b.Fatal(err)
						}
					}
					var cpu time.Duration // the senders' own, user and system
					for i, c := range cmds {
						if err := c.Wait(); err != nil {
							b.Fatalf("sender %d: %v", i, err)
						}
						cpu += c.ProcessState.UserTime() + c.ProcessState.SystemTime()
					}
					took := time.Since(start)
					b.StopTimer()
					for i := range outs {
						b.Logf("sender %d: %s", i, bytes.TrimSpace(outs[i].Bytes()))
					}
					if got := len(mp.Wait(b, n, 30*time.Second)); got != n {
						b.Fatalf("%d mails, want %d", got, n)
					}
					b.ReportMetric(took.Seconds(), "s/2000-digests")
					b.ReportMetric(float64(n)/took.Seconds(), "mails/s")
					b.ReportMetric(cpu.Seconds(), "sender-cpu-s")
				}
			})
		}
	}
}
