package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/mailpit"
	"github.com/dailypapers/dailypapers/internal/store"
)

// TestDigestKilledAtRandom sends one period's digests to a real SMTP
// server (Mailpit) with "digest send" runs that are killed (SIGKILL) at
// random moments, one after the other, until a run is let finish; then it
// counts, per subscriber, the digests that arrived. None may arrive twice;
// a digest lost (its job unknown, no mail) is the price of at-most-once
// and is reported, with the unknown ones that did arrive. The suite kills
// 12 runs; DAILYPAPERS_DIGEST_KILLS=200 (and DAILYPAPERS_DIGEST_KILL_SUBS
// for more subscribers) runs the long version whose figures BENCHMARKS.md
// records.
func TestDigestKilledAtRandom(t *testing.T) {
	kills, subsN := 12, 150
	if v, err := strconv.Atoi(os.Getenv("DAILYPAPERS_DIGEST_KILLS")); err == nil && v > 0 {
		kills, subsN = v, 10*v
	}
	if v, err := strconv.Atoi(os.Getenv("DAILYPAPERS_DIGEST_KILL_SUBS")); err == nil && v > 0 {
		subsN = v
	}
	mp := mailpit.Start(t)
	bin := buildBinary(t)
	data := t.TempDir()
	subs := seedDigestData(t, data, subsN)
	const lease = 200 * time.Millisecond
	args := []string{"digest", "send", "--data", data, "--period", digestPeriod,
		"--smtp-host", mp.SMTPHost, "--smtp-port", strconv.Itoa(mp.SMTPPort), "--smtp-tls", "none",
		"--mail-rate", "0", "--secret", digestSecret, "--base-url", "http://example.test", "--lease", lease.String()}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 22))
	start := time.Now()
	killed := 0
	for killed < kills {
		cmd := exec.Command(bin, args...)
		cmd.Env = cleanEnv()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Anywhere in the run: its start, a claim, the SMTP exchange, a
		// commit, between a mark and the final dot.
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("a run ended by itself with %v", err)
			}
			if jobsLeft(t, data) == 0 {
				t.Logf("every digest was sent after %d kills", killed)
				kills = killed
			}
		case <-time.After(time.Duration(rng.IntN(250)) * time.Millisecond):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			killed++
		}
		time.Sleep(lease + 50*time.Millisecond) // the dead run's claims run out
	}
	// A last run, let finish, sends what the killed ones left.
	if out, errOut, err := runBinary(t, bin, nil, args...); err != nil {
		t.Fatalf("the last run: %v\n%s%s", err, out, errOut)
	}
	jobs := mailJobs(t, data)
	states := map[string]int{}
	unknown := map[string]bool{}
	for _, j := range jobs {
		states[j.State]++
		if j.State == store.JobUnknown {
			unknown[subs[j.SubscriptionID]] = true
		}
	}
	if len(jobs) != subsN || states[store.JobSent]+states[store.JobUnknown] != subsN {
		t.Fatalf("%d jobs for %d subscribers, by state %v", len(jobs), subsN, states)
	}
	mp.Wait(t, states[store.JobSent], 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	got := map[string]int{}
	for _, m := range mp.Messages(t) {
		for _, to := range m.To {
			got[to.Address]++
		}
	}
	var dup, lost, unknownDelivered int
	for _, addr := range subs {
		switch {
		case got[addr] > 1:
			dup++
			t.Errorf("%s got %d digests", addr, got[addr])
		case got[addr] == 0 && unknown[addr]:
			lost++
		case got[addr] == 0:
			t.Errorf("%s got no digest, and its job is not unknown", addr)
		case unknown[addr]:
			unknownDelivered++
		}
	}
	t.Logf("%d subscribers, %d runs killed at random in %v: %d sent, %d unknown (%d delivered, %d lost), %d duplicated",
		subsN, killed, time.Since(start).Round(time.Second), states[store.JobSent], len(unknown), unknownDelivered, lost, dup)
}

// jobsLeft counts the period's jobs not yet sent or given up.
func jobsLeft(t *testing.T, data string) int {
	n := 0
	for _, j := range mailJobs(t, data) {
		if j.State == store.JobQueued || j.State == store.JobClaimed || j.State == store.JobSending {
			n++
		}
	}
	return n
}
