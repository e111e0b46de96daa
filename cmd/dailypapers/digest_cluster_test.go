package main

import (
	"bytes"
	"context"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/mailpit"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
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
