package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/mailpit"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

const (
	digestSecret = "a secret of more than 32 characters for the tests"
	digestPeriod = "daily:2025-09-03" // Wednesday: Tuesday Sep 2's papers
)

// seedDigestData makes a data directory whose database holds Tuesday Sep
// 2's papers and n confirmed daily subscriptions (sub1@ ... subN@), and
// returns their addresses by subscription id.
func seedDigestData(t *testing.T, dir string, n int) map[int64]string {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return seedDigests(t, st, n)
}

// seedDigests puts Tuesday Sep 2's papers and n confirmed daily
// subscriptions into st.
func seedDigests(t testing.TB, st store.Store, n int) map[int64]string {
	t.Helper()
	ctx := context.Background()
	im, err := st.BeginImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 9, 2, 9, 0, 0, 0, time.UTC)
	var recs []store.Record
	for i, title := range []string{"Scaling Laws for Language Agents", "Diffusion Policies for Control", "Depth from a Single Photo"} {
		recs = append(recs, store.Record{
			Paper: paper.Paper{ID: paper.ID(fmt.Sprintf("2509.%05d", i+1)), Title: title, Abstract: "What it found.",
				Authors: []paper.Author{{Name: "Ada Lovelace"}}, Categories: []string{"cs.LG"}, Upvotes: 30 - i,
				Published: day.AddDate(0, 0, -1), Updated: day.AddDate(0, 0, -1), AsOf: day},
			Submission: &store.Submission{Day: "2025-09-02", SubmittedAt: day},
		})
	}
	if _, err := im.Write(ctx, recs); err != nil {
		im.Rollback()
		t.Fatal(err)
	}
	if err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	subs := map[int64]string{}
	for i := 1; i <= n; i++ {
		sub, _, err := st.Subscribe(ctx, store.Subscription{Email: fmt.Sprintf("sub%d@example.org", i), Frequency: store.Daily})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.ConfirmSubscription(ctx, sub.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		subs[sub.ID] = sub.Email
	}
	return subs
}

func mailJobs(t *testing.T, dir string) []store.MailJob {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	jobs, err := st.MailJobs(context.Background(), digestPeriod)
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

// buildBinary builds the command into a temporary directory.
func buildBinary(t testing.TB) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "dailypapers")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs the built command with the environment's DAILYPAPERS_
// settings removed, plus env.
func runBinary(t *testing.T, bin string, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DAILYPAPERS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// TestDigestCrashBetweenSteps kills "digest send" (SIGKILL, as a crash or
// an OOM kill would) between the steps of sending a digest, runs it
// again, and checks in Mailpit that nobody got a digest twice and that
// the only digest that can be lost is the one whose process died in the
// window between recording it as sending and the mail server's answer.
func TestDigestCrashBetweenSteps(t *testing.T) {
	mp := mailpit.Start(t)
	bin := buildBinary(t)
	const n = 5
	for _, tc := range []struct {
		step string
		// Whether the subscriber of the job the process died on gets
		// its digest in the end, and the state that job ends in.
		crashedGetsMail bool
		crashedState    string
	}{
		// Claimed, nothing told to the mail server: the claim runs out and
		// the second run takes the job over and sends it.
		{"claimed", true, store.JobSent},
		// Recorded as sending and the whole message written, but the
		// final dot never sent: the server discards the message. The job
		// is never sent again (it might have been delivered, for all the
		// queue knows), so this digest is lost. This is the price of
		// at-most-once, and the window is one round trip wide: between
		// the commit to the database and the server's reply to the dot.
		{"committed", false, store.JobUnknown},
		// Delivered, but not yet recorded as sent: the second run must
		// not send it again.
		{"delivered", true, store.JobUnknown},
	} {
		t.Run(tc.step, func(t *testing.T) {
			mp.DeleteAll(t)
			data := t.TempDir()
			subs := seedDigestData(t, data, n)
			args := []string{"digest", "send", "--data", data, "--period", digestPeriod,
				"--smtp-host", mp.SMTPHost, "--smtp-port", strconv.Itoa(mp.SMTPPort), "--smtp-tls", "none",
				"--mail-rate", "0", "--secret", digestSecret, "--base-url", "http://example.test"}

			// The crashing run holds its claims for 100ms only, so that
			// the next run finds the lease of the job it died on run out.
			// It sends one digest at a time, so that the crash hits one
			// job, the one this test follows (TestDigestKilledAtRandom
			// kills runs of several workers).
			_, errOut, err := runBinary(t, bin, []string{"DAILYPAPERS_DIGEST_CRASH=" + tc.step}, append(args, "--lease", "100ms", "--workers", "1")...)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || err.Error() != "signal: killed" {
				t.Fatalf("the crashing run: %v, want signal: killed\n%s", err, errOut)
			}
			if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the crashing run ended with %v, not SIGKILL", exit.ProcessState)
			}
			time.Sleep(200 * time.Millisecond)

			sentBefore := 0
			if tc.step == "delivered" {
				sentBefore = 1
			}
			if got := len(mp.Messages(t)); got != sentBefore {
				t.Errorf("after the crash Mailpit holds %d messages, want %d", got, sentBefore)
			}

			out, errOut, err := runBinary(t, bin, nil, args...)
			if err != nil {
				t.Fatalf("the second run: %v\n%s%s", err, out, errOut)
			}
			wantSent := n
			if tc.step != "claimed" {
				wantSent = n - 1
			}
			if want := fmt.Sprintf("queued 0, sent %d, failed 0, skipped 0, to retry 0\n", wantSent); out != want {
				t.Errorf("the second run said %q, want %q", out, want)
			}

			want := n - 1
			if tc.crashedGetsMail {
				want = n
			}
			if want > 0 {
				mp.Wait(t, want, 10*time.Second)
			}
			time.Sleep(200 * time.Millisecond)
			perAddress := map[string]int{}
			for _, m := range mp.Messages(t) {
				for _, a := range m.To {
					perAddress[a.Address]++
				}
			}

			// The job the first run died on: the one not sent, or, after a
			// crash at "claimed", the one claimed twice.
			var crashed store.MailJob
			jobs := mailJobs(t, data)
			if len(jobs) != n {
				t.Fatalf("%d jobs, want %d: %+v", len(jobs), n, jobs)
			}
			for _, j := range jobs {
				if j.State != store.JobSent || j.Attempts != 1 {
					if crashed.ID != 0 {
						t.Fatalf("two jobs were hit by the crash: %+v and %+v", crashed, j)
					}
					crashed = j
				}
			}
			if crashed.ID == 0 || crashed.State != tc.crashedState {
				t.Fatalf("the crashed job %+v, want it %s; all jobs: %+v", crashed, tc.crashedState, jobs)
			}
			for id, addr := range subs {
				want := 1
				if id == crashed.SubscriptionID && !tc.crashedGetsMail {
					want = 0
				}
				if perAddress[addr] != want {
					t.Errorf("%s got %d mails, want %d", addr, perAddress[addr], want)
				}
				delete(perAddress, addr)
			}
			if len(perAddress) != 0 {
				t.Errorf("mail to unknown addresses: %v", perAddress)
			}
		})
	}
}

func TestDigestPreview(t *testing.T) {
	data := t.TempDir()
	subs := seedDigestData(t, data, 1)
	var id int64
	for id = range subs {
	}
	out, errOut, err := runCmd(t, "digest", "preview", "--data", data, "--email", "SUB1@example.org",
		"--period", digestPeriod, "--secret", digestSecret, "--base-url", "https://papers.example.org")
	if err != nil {
		t.Fatalf("preview: %v\n%s", err, errOut)
	}
	head, rest, _ := strings.Cut(out, "\n----- text/plain -----\n")
	text, html, ok := strings.Cut(rest, "\n----- text/html -----\n")
	if !ok {
		t.Fatalf("no text and HTML parts:\n%s", out)
	}
	for _, re := range []string{
		`(?m)^To: sub1@example\.org$`,
		`(?m)^Subject: Daily Papers: 3 papers for Wednesday, Sep 3$`,
		fmt.Sprintf(`(?m)^Message-ID: <digest\.%d\.daily-2025-09-03@papers\.example\.org>$`, id),
		`(?m)^List-Unsubscribe: <https://papers\.example\.org/unsubscribe/[A-Za-z0-9_.-]+>$`,
		`(?m)^List-Unsubscribe-Post: List-Unsubscribe=One-Click$`,
		`(?m)^List-Id: Daily Papers digest <digest\.papers\.example\.org>$`,
	} {
		if !regexp.MustCompile(re).MatchString(head) {
			t.Errorf("the headers do not match %s:\n%s", re, head)
		}
	}
	for _, part := range []string{text, html} {
		for _, want := range []string{"Scaling Laws for Language Agents", "https://papers.example.org/papers/2509.00001", "https://arxiv.org/pdf/2509.00001"} {
			if !strings.Contains(part, want) {
				t.Errorf("a part has no %q:\n%s", want, part)
			}
		}
	}
	if !strings.HasPrefix(strings.TrimSpace(html), "<!doctype html>") || strings.Contains(text, "<table") {
		t.Errorf("the parts are not text then HTML:\n%s", out)
	}
	if errOut != "" {
		t.Errorf("notes for an active subscriber with papers: %q", errOut)
	}
	// Nothing was queued or sent.
	if jobs := mailJobs(t, data); len(jobs) != 0 {
		t.Errorf("the preview queued %+v", jobs)
	}

	// A period without papers still previews, with a note.
	out, errOut, err = runCmd(t, "digest", "preview", "--data", data, "--email", "sub1@example.org",
		"--period", "daily:2025-09-10", "--secret", digestSecret)
	if err != nil || !strings.Contains(out, "To: sub1@example.org") || !strings.Contains(errOut, "has no papers") {
		t.Errorf("preview of an empty period: %v\n%s\n%s", err, out, errOut)
	}

	// Without --period, when the period due now has no papers (the demo's
	// feed ends in the past), the latest period with papers is shown.
	out, errOut, err = runCmd(t, "digest", "preview", "--data", data, "--email", "sub1@example.org", "--secret", digestSecret)
	if err != nil || !strings.Contains(out, "Subject: Daily Papers: 3 papers for Wednesday, Sep 3") ||
		!strings.Contains(errOut, "previewing daily:2025-09-03, the latest that has (choose one with --period)") {
		t.Errorf("preview with nothing due: %v\n%s\n%s", err, out, errOut)
	}

	out, _, err = runCmd(t, "digest", "preview", "--data", data, "--email", "nobody@example.org",
		"--period", digestPeriod, "--secret", digestSecret)
	var u usageError
	if err == nil || errors.As(err, &u) || !strings.Contains(err.Error(), "nobody@example.org has no subscription") || out != "" {
		t.Errorf("an unknown address: %v, output %q", err, out)
	}
	if _, _, err := runCmd(t, "digest", "preview", "--data", data, "--secret", digestSecret); !errors.As(err, &u) {
		t.Errorf("no --email: %v, want a usage error", err)
	}
}

func TestPeriodHolding(t *testing.T) {
	for _, tc := range []struct {
		day  string
		freq store.Frequency
		want string
	}{
		{"2025-09-02", store.Daily, "daily:2025-09-03"}, // Tuesday: Wednesday's
		{"2025-08-29", store.Daily, "daily:2025-09-01"}, // Friday: Monday's
		{"2025-08-30", store.Daily, "daily:2025-09-01"}, // Saturday: Monday's too
		{"2025-08-31", store.Daily, "daily:2025-09-01"}, // Sunday
		{"2025-08-31", store.Weekly, "weekly:2025-W35"},
		{"2025-09-01", store.Weekly, "weekly:2025-W36"},
	} {
		day, _ := time.Parse(time.DateOnly, tc.day)
		p := periodHolding(day, tc.freq)
		if p.Key != tc.want || tc.day < p.From || tc.day > p.To {
			t.Errorf("%s %v: %s (%s to %s), want %s covering it", tc.day, tc.freq, p.Key, p.From, p.To, tc.want)
		}
	}
}

// A digest claimed by a process that stopped waits for its lease to run
// out: digest send says so, with when, and with --wait waits and sends it.
func TestDigestSendSaysWhatWaits(t *testing.T) {
	mp := mailpit.Start(t)
	data := t.TempDir()
	subs := seedDigestData(t, data, 3)
	st, err := sqlite.Open(t.Context(), filepath.Join(data, "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for id := range subs {
		ids = append(ids, id)
	}
	if _, err := st.EnqueueDigests(t.Context(), digestPeriod, ids, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ClaimMailJob(t.Context(), "a process that died", time.Now(), 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	st.Close()
	args := []string{"digest", "send", "--data", data, "--period", digestPeriod,
		"--smtp-host", mp.SMTPHost, "--smtp-port", strconv.Itoa(mp.SMTPPort), "--smtp-tls", "none",
		"--mail-rate", "0", "--secret", digestSecret, "--base-url", "http://example.test"}

	out, errOut, err := runCmd(t, args...)
	if err != nil || out != "queued 0, sent 2, failed 0, skipped 0, to retry 0\n" {
		t.Fatalf("digest send: %v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(errOut, "not sent yet: 1 held by another process, which may have stopped (its lease runs out by ") ||
		!strings.Contains(errOut, "run digest send again then (or with --wait)") {
		t.Errorf("digest send does not say what waits:\n%s", errOut)
	}

	out, errOut, err = runCmd(t, append(args, "--wait")...)
	if err != nil || out != "queued 0, sent 1, failed 0, skipped 0, to retry 0\n" {
		t.Fatalf("digest send --wait: %v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(errOut, "waiting until ") || strings.Contains(errOut, "not sent yet") {
		t.Errorf("digest send --wait:\n%s", errOut)
	}
	mp.Wait(t, 3, 10*time.Second)
	for _, j := range mailJobs(t, data) {
		if j.State != store.JobSent {
			t.Errorf("job %d ended %s", j.ID, j.State)
		}
	}
}
