package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/mail"
	"github.com/dailypapers/dailypapers/internal/recommend"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

// digestFlags are the digest commands' own flags, each command's
// in a value of its own.
type digestFlags struct {
	email, period string
	dryRun, wait  bool
	lease         time.Duration
	workers       int
}

var digestPreviewCmd = command{
	name:    "digest preview",
	args:    "--email ADDRESS [--period daily:YYYY-MM-DD|weekly:YYYY-Www]",
	summary: "print the digest mail an address would get",
	help: `Digest preview prints the mail that the subscription of --email would get
for a period (by default the newest period that is due now): its headers,
then the plain-text part, then the HTML part. Nothing is sent or recorded.`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		var f digestFlags
		c.DataFlags(fs)
		c.MailFlags(fs)
		fs.StringVar(&f.email, "email", "", "the subscribed address (required)")
		fs.StringVar(&f.period, "period", "", "the period, such as daily:2025-09-03 or weekly:2025-W36")
		return func(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
			return runDigestPreview(ctx, cfg, f, args, stdout, stderr)
		}
	},
}

var digestSendCmd = command{
	name:    "digest send",
	args:    "[--dry-run] [--period KEY]",
	summary: "send the digests that are due now",
	help: `Digest send queues the digests due now (a daily one each weekday from
--digest-hour in --digest-timezone, a weekly one each Monday) for every
confirmed subscription, and sends what is queued, including retries that
have come due. Each (subscription, period) digest is sent at most once,
however often this runs and from however many machines: "serve" runs the
same on a schedule. --period queues that period instead of the due ones.
--dry-run says what would be queued and sends nothing.

Digests it cannot send yet are left for the next run (or serve), and it
says so on stderr: those claimed by a process that stopped (free when
their lease runs out, 2 minutes) and those deferred after a temporary
failure of the mail server (from 1 minute on), each with when. --wait
waits for them and sends them before it exits. Digests a process stopped
while sending are "unknown": delivered or lost, never sent again.`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		var f digestFlags
		c.DataFlags(fs)
		c.MailFlags(fs)
		fs.BoolVar(&f.dryRun, "dry-run", false, "say what would be sent, send nothing")
		fs.StringVar(&f.period, "period", "", "queue this period, such as daily:2025-09-03")
		fs.BoolVar(&f.wait, "wait", false, "wait for digests held by a stopped process or deferred after a temporary failure, and send them")
		fs.DurationVar(&f.lease, "lease", 0, "how long a digest being sent stays with this process before another run may take it over or give it up as unknown; 0 means 2m (for tests and slow SMTP servers)")
		fs.IntVar(&f.workers, "workers", digestWorkers, "how many digests are composed and sent at once")
		return func(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
			return runDigestSend(ctx, cfg, f, args, stdout, stderr)
		}
	},
}

// digestParts builds what both commands need.
func digestParts(ctx context.Context, cfg *config.Config, st store.Store) (*digest.Composer, error) {
	key, err := loadSecret(cfg)
	if err != nil {
		return nil, err
	}
	signer, err := digest.NewSigner(key)
	if err != nil {
		return nil, err
	}
	idx := search.NewService(st, slog.Default())
	if _, err := idx.Open(ctx, cfg.IndexPath(), nil); err != nil {
		return nil, fmt.Errorf("search index (for saved searches): %w", err)
	}
	return &digest.Composer{Store: st, Following: st, Search: digest.IndexSearcher{Index: idx}, Signer: signer,
		ForYou: recommend.NewDigest(st, idx), Accounts: st,
		BaseURL: cfg.PublicURL(), SiteName: "Daily Papers"}, nil
}

// periods are the ones --period names, or those due now.
func periods(cfg *config.Config, period string, now time.Time) ([]digest.Period, error) {
	if period != "" {
		p, err := digest.ParsePeriod(period)
		if err != nil {
			return nil, usageError{err}
		}
		return []digest.Period{p}, nil
	}
	loc, err := time.LoadLocation(cfg.DigestZone)
	if err != nil {
		return nil, err
	}
	return digest.Due(now, loc, cfg.DigestHour), nil
}

func runDigestPreview(ctx context.Context, cfg *config.Config, f digestFlags, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 || f.email == "" {
		return usageError{errors.New("digest preview takes --email ADDRESS and no arguments")}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	sub, err := st.SubscriptionByEmail(ctx, f.email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s has no subscription", f.email)
	}
	if err != nil {
		return err
	}
	c, err := digestParts(ctx, cfg, st)
	if err != nil {
		return err
	}
	now := time.Now()
	ps, err := periods(cfg, f.period, now)
	if err != nil {
		return err
	}
	var p digest.Period
	for _, q := range ps {
		if q.Frequency == sub.Frequency || f.period != "" {
			p = q
		}
	}
	if p.Key == "" { // nothing due today: the latest period of the subscriber's kind
		if p = digest.Daily(now); sub.Frequency == store.Weekly {
			p = digest.Weekly(now.AddDate(0, 0, -7))
		}
	}
	ed, err := c.Edition(ctx, p)
	if err != nil {
		return err
	}
	if len(ed.All) == 0 && f.period == "" {
		// A quiet site, or the demo, whose feed ended months ago: an empty
		// mail shows nothing, so show the latest period that has papers.
		latest, err := latestPeriod(ctx, st, sub.Frequency)
		if err != nil {
			return err
		}
		if latest.Key != "" && latest.Key != p.Key {
			fmt.Fprintf(stderr, "note: the period due now, %s, has no papers; previewing %s, the latest that has (choose one with --period)\n", p.Key, latest.Key)
			p = latest
			if ed, err = c.Edition(ctx, p); err != nil {
				return err
			}
		}
	}
	d, err := c.Compose(ctx, ed, &sub, now)
	if err != nil {
		return err
	}
	m, err := c.Message(d, &sub, now)
	if err != nil {
		return err
	}
	if !sub.Active() {
		fmt.Fprintf(stderr, "note: %s gets no digests now (unconfirmed, paused, unsubscribed or blocked)\n", sub.Email)
	}
	if d.Empty() {
		fmt.Fprintf(stderr, "note: the period %s (%s to %s) has no papers: this digest would not be sent\n", p.Key, p.From, p.To)
	}
	fmt.Fprintf(stdout, "To: %s\nSubject: %s\nMessage-ID: <%s>\n", m.To, m.Subject, m.MessageID)
	for _, k := range []string{"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"} {
		fmt.Fprintf(stdout, "%s: %s\n", k, m.Headers[k])
	}
	fmt.Fprintf(stdout, "\n----- text/plain -----\n%s\n----- text/html -----\n%s\n", m.Text, m.HTML)
	return nil
}

// latestPeriod is the period of a frequency that holds the newest day on
// the feed: the weekly one of its week, or the daily one sent on the next
// weekday. Its Key is "" when the feed is empty.
func latestPeriod(ctx context.Context, st store.Store, f store.Frequency) (digest.Period, error) {
	day, err := st.LatestFeedDay(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return digest.Period{}, nil
	}
	if err != nil {
		return digest.Period{}, err
	}
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return digest.Period{}, fmt.Errorf("the latest feed day %q: %w", day, err)
	}
	return periodHolding(t, f), nil
}

// periodHolding is the period of a frequency that covers the feed day.
func periodHolding(day time.Time, f store.Frequency) digest.Period {
	if f == store.Weekly {
		return digest.Weekly(day)
	}
	send := day.AddDate(0, 0, 1)
	for send.Weekday() == time.Saturday || send.Weekday() == time.Sunday {
		send = send.AddDate(0, 0, 1) // Monday's covers the weekend
	}
	return digest.Daily(send)
}

func runDigestSend(ctx context.Context, cfg *config.Config, f digestFlags, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("digest send takes flags only, got %q", args)}
	}
	if f.workers < 1 {
		return usageError{fmt.Errorf("--workers %d: want 1 or more", f.workers)}
	}
	if f.lease < 0 {
		return usageError{fmt.Errorf("--lease %v: want a positive duration, or 0 for the default", f.lease)}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := digestParts(ctx, cfg, st)
	if err != nil {
		return err
	}
	ps, err := periods(cfg, f.period, time.Now())
	if err != nil {
		return err
	}
	if f.dryRun {
		return digestDryRun(ctx, st, c, ps, stdout)
	}
	_, deliverer, err := newMailer(cfg)
	if err != nil {
		return err
	}
	r := &digest.Runner{Store: st, Composer: c, Mail: deliverer, Lease: f.lease, Crash: crashHook(), Workers: f.workers}
	counts, err := r.Run(ctx, ps, time.Now)
	var w waiting
	for err == nil {
		if w, err = waitingJobs(ctx, st, ps, time.Now()); err != nil || !f.wait || w.next.IsZero() {
			break
		}
		fmt.Fprintf(stderr, "waiting until %s: %s\n", w.next.Format(time.TimeOnly), w)
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(time.Until(w.next) + 100*time.Millisecond):
		}
		if err == nil {
			var more digest.Counts
			more, err = r.Send(ctx, time.Now)
			counts.Sent += more.Sent
			counts.Failed += more.Failed
			counts.Retried = more.Retried // what is left to retry now
		}
	}
	fmt.Fprintf(stdout, "queued %d, sent %d, failed %d, skipped %d, to retry %d\n", counts.Queued, counts.Sent, counts.Failed, counts.Skipped, counts.Retried)
	if err == nil {
		if !w.next.IsZero() {
			fmt.Fprintf(stderr, "not sent yet: %s; run digest send again then (or with --wait), or leave them to serve\n", w)
		}
		if w.unknown > 0 {
			fmt.Fprintf(stderr, "unknown: %d digests whose process stopped while sending them: delivered or lost, never sent again\n", w.unknown)
		}
	}
	return err
}

// waiting is what a run of digest send left of its periods' jobs.
type waiting struct {
	held, deferred int       // claimed or sending elsewhere; queued for later
	heldUntil      time.Time // when the last held one's lease runs out
	deferredUntil  time.Time // when the first deferred one comes due
	next           time.Time // when a run can next do something; zero: nothing waits
	unknown        int
}

func (w waiting) String() string {
	var parts []string
	if w.held > 0 {
		parts = append(parts, fmt.Sprintf("%d held by another process, which may have stopped (its lease runs out by %s)", w.held, w.heldUntil.Format(time.TimeOnly)))
	}
	if w.deferred > 0 {
		parts = append(parts, fmt.Sprintf("%d deferred after a temporary failure (the first due at %s)", w.deferred, w.deferredUntil.Format(time.TimeOnly)))
	}
	return strings.Join(parts, ", ")
}

// waitingJobs reads the jobs of the periods that a run at now could not
// send yet, and when the next of them may be taken.
func waitingJobs(ctx context.Context, st store.Store, ps []digest.Period, now time.Time) (waiting, error) {
	var w waiting
	for _, p := range ps {
		jobs, err := st.MailJobs(ctx, p.Key)
		if err != nil {
			return w, err
		}
		for _, j := range jobs {
			switch j.State {
			case store.JobClaimed, store.JobSending:
				w.held++
				w.heldUntil = later(w.heldUntil, j.LeaseUntil)
				w.next = earlier(w.next, j.LeaseUntil)
			case store.JobQueued:
				w.deferred++
				at := later(j.NextAt, now)
				if w.deferredUntil.IsZero() || at.Before(w.deferredUntil) {
					w.deferredUntil = at
				}
				w.next = earlier(w.next, at)
			case store.JobUnknown:
				w.unknown++
			}
		}
	}
	return w, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// earlier is the earlier of two times, a zero one counting as none.
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}

func digestDryRun(ctx context.Context, st store.Store, c *digest.Composer, ps []digest.Period, stdout io.Writer) error {
	if len(ps) == 0 {
		fmt.Fprintln(stdout, "no digest is due now")
	}
	for _, p := range ps {
		ed, err := c.Edition(ctx, p)
		if err != nil {
			return err
		}
		n := 0
		for after := int64(0); ; {
			subs, err := st.ActiveSubscriptions(ctx, p.Frequency, after, 1000)
			if err != nil {
				return err
			}
			if len(subs) == 0 {
				break
			}
			n += len(subs)
			after = subs[len(subs)-1].ID
		}
		fmt.Fprintf(stdout, "%s (%s to %s): %d papers, %d subscribers", p.Key, p.From, p.To, len(ed.All), n)
		if len(ed.All) == 0 {
			fmt.Fprint(stdout, ": nothing to send")
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// newMailer is the configured mail transport: SMTP, or the log when no
// SMTP server is set (development).
// digestWorkers is how many digests a run composes and sends at once:
// two, for the two cores the smallest host the site targets has (a
// For-you section is CPU work); more would only queue for them.
const digestWorkers = 2

func newMailer(cfg *config.Config) (mail.Sender, digest.Deliverer, error) {
	if cfg.SMTPHost == "" {
		s := mail.LogSender{Log: slog.Default()}
		return s, digest.SendOnly{Sender: s}, nil
	}
	s, err := mail.NewSMTP(mail.SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, TLS: cfg.SMTPTLS,
		Username: cfg.SMTPUser, Password: cfg.SMTPPassword, From: cfg.MailFrom, RatePerSecond: cfg.MailRate})
	if err != nil {
		return nil, nil, err
	}
	return s, s, nil
}

// loadSecret returns the key that signs mailed links: --secret, or the
// key file beside the database, made at first use.
func loadSecret(cfg *config.Config) ([]byte, error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), nil
	}
	path := cfg.SecretPath()
	if b, err := os.ReadFile(path); err == nil {
		return []byte(strings.TrimSpace(string(b))), nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	key := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process made it first
		return loadSecret(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return []byte(key), f.Close()
}

// crashHook kills the process between two steps of sending when
// DAILYPAPERS_DIGEST_CRASH names the step: the crash test's fault
// injection. Unset, it does nothing.
func crashHook() func(string) {
	at := os.Getenv("DAILYPAPERS_DIGEST_CRASH")
	if at == "" {
		return nil
	}
	return func(step string) {
		if step == at {
			p, _ := os.FindProcess(os.Getpid())
			p.Kill() // SIGKILL: nothing runs after this, as in a real crash
			select {}
		}
	}
}
