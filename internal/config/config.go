// Package config holds the settings of every dailypapers command, filled
// from flags with DAILYPAPERS_* environment variables as their defaults.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration. Each subcommand registers the flags it uses.
type Config struct {
	Addr     string // serve: listen address
	DataDir  string // directory of the SQLite database
	DB       string // a PostgreSQL URL; "" for the SQLite file in DataDir
	Demo     bool   // serve: load the built-in demo set into an empty database
	LogLevel slog.Level

	// Semantic search: "builtin" (word vectors in the binary), "none", or
	// the base URL of an OpenAI-compatible embeddings API.
	Embedder    string
	EmbedModel  string // the API's model name
	EmbedKey    string // the API's key, if it wants one
	WordVectors string // a word-vector asset to use instead of the built-in one

	// The community.
	BaseURL        string        // the site's public address, for links in mail
	SubmitWindow   time.Duration // how old a submitted paper may be
	DailyCap       int           // submissions per account and day
	ArXivAPI       string        // the arXiv API's query endpoint
	TrustedProxies []netip.Prefix

	// Mail and digests.
	SMTPHost, SMTPTLS, SMTPUser, SMTPPassword, MailFrom string
	SMTPPort                                            int
	MailRate                                            float64
	DigestHour                                          int
	DigestZone                                          string
	Secret                                              string

	// Keeping the catalogue full: arXiv harvesting and GitHub stars.
	HarvestCategories []string      // serve's daily harvest; empty: none
	HarvestHour       int           // hour of the day (UTC) it runs
	AutoFeed          []string      // categories whose new papers go on the feed by themselves
	OAIURL            string        // arXiv's OAI-PMH endpoint
	GitHubAPI         string        // the GitHub REST API
	GitHubToken       string        // optional: 5,000 requests an hour instead of 60
	StarsEvery        time.Duration // how old a star count may get; 0: serve does not refresh stars

	usesData bool // the command opens the database, so --data must be valid
	usesMail bool // the command sends mail, so the mail settings must be valid
}

// Var describes one setting, for --help and the README.
type Var struct {
	Flag, Env, Default, Usage string
}

// Vars lists every setting; the README's table is made from the same facts.
var Vars = []Var{
	{"addr", "DAILYPAPERS_ADDR", "127.0.0.1:8080", "address the web server listens on"},
	{"data", "DAILYPAPERS_DATA", "./data", "directory that holds the database (created if missing)"},
	{"db", "DAILYPAPERS_DB", "", "a PostgreSQL database (postgres://user:pass@host/db) instead of the SQLite file in --data"},
	{"demo", "DAILYPAPERS_DEMO", "true", "load the built-in demo papers when the database is empty"},
	{"log-level", "DAILYPAPERS_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"embedder", "DAILYPAPERS_EMBEDDER", "builtin", "semantic search: builtin, none, or the URL of an OpenAI-compatible embeddings API (http://localhost:11434/v1)"},
	{"embed-model", "DAILYPAPERS_EMBED_MODEL", "", "model name for the embeddings API"},
	{"embed-key", "DAILYPAPERS_EMBED_KEY", "", "key for the embeddings API (prefer the variable to the flag)"},
	{"word-vectors", "DAILYPAPERS_WORD_VECTORS", "", "word-vector asset (made by mkwordvec) to use instead of the built-in one"},
	{"base-url", "DAILYPAPERS_BASE_URL", "", "public address of the site, for links in mail (default http://ADDR)"},
	{"submit-window", "DAILYPAPERS_SUBMIT_WINDOW", "336h", "how old (since version 1) a submitted paper may be; 0 for no limit"},
	{"daily-cap", "DAILYPAPERS_DAILY_CAP", "10", "papers one account may submit a day; 0 for no cap"},
	{"arxiv-api", "DAILYPAPERS_ARXIV_API", "https://export.arxiv.org/api/query", "arXiv API endpoint that submitted papers are fetched from"},
	{"smtp-host", "DAILYPAPERS_SMTP_HOST", "", "SMTP server for mail; empty writes mail to the log instead"},
	{"smtp-port", "DAILYPAPERS_SMTP_PORT", "587", "SMTP port"},
	{"smtp-tls", "DAILYPAPERS_SMTP_TLS", "starttls", "SMTP TLS: starttls, tls (implicit, port 465) or none"},
	{"smtp-user", "DAILYPAPERS_SMTP_USER", "", "SMTP user name, if the server wants one"},
	{"smtp-password", "DAILYPAPERS_SMTP_PASSWORD", "", "SMTP password (prefer the variable to the flag)"},
	{"mail-from", "DAILYPAPERS_MAIL_FROM", "Daily Papers <papers@localhost>", "the From of every mail"},
	{"mail-rate", "DAILYPAPERS_MAIL_RATE", "10", "mails sent per second at most; 0 for no limit"},
	{"digest-hour", "DAILYPAPERS_DIGEST_HOUR", "8", "hour of the day (0-23) when digests go out"},
	{"digest-timezone", "DAILYPAPERS_DIGEST_TIMEZONE", "UTC", "time zone of --digest-hour, such as Europe/Berlin"},
	{"secret", "DAILYPAPERS_SECRET", "", "key that signs links in mail (32+ characters); empty uses <data>/secret.key, made at first start"},
	{"harvest-categories", "DAILYPAPERS_HARVEST_CATEGORIES", "cs.AI,cs.CL,cs.CV,cs.LG", "arXiv categories or archives serve harvests each day; empty for none"},
	{"harvest-hour", "DAILYPAPERS_HARVEST_HOUR", "2", "hour of the day (0-23, UTC) when serve harvests arXiv"},
	{"auto-feed", "DAILYPAPERS_AUTO_FEED", "", "categories whose newly harvested papers go on the feed on their announcement day without a submission"},
	{"oai-url", "DAILYPAPERS_OAI_URL", "https://oaipmh.arxiv.org/oai", "arXiv's OAI-PMH endpoint"},
	{"github-api", "DAILYPAPERS_GITHUB_API", "https://api.github.com", "GitHub REST API endpoint"},
	{"github-token", "DAILYPAPERS_GITHUB_TOKEN", "", "GitHub token for star refreshes: 5,000 requests an hour instead of 60 (prefer the variable to the flag)"},
	{"stars-every", "DAILYPAPERS_STARS_EVERY", "24h", "how old a repository's star count may get before serve asks GitHub again; 0 to stop"},
	{"trusted-proxies", "DAILYPAPERS_TRUSTED_PROXIES", "", "comma-separated addresses or prefixes of reverse proxies whose X-Forwarded-For is believed"},
}

// FlagTypes names what the flags set through flag.Func take, for help
// (the flag package knows them only as "value"). Their usage says their
// default, which the flag package cannot know either.
var FlagTypes = map[string]string{
	"log-level":          "level",
	"submit-window":      "duration",
	"trusted-proxies":    "list",
	"auto-feed":          "list",
	"harvest-categories": "list",
	"stars-every":        "duration",
}

func lookup(flagName string) Var {
	for _, v := range Vars {
		if v.Flag == flagName {
			return v
		}
	}
	panic("config: no setting " + flagName)
}

// env returns the environment's value for a setting, else its default.
func env(flagName string) string {
	v := lookup(flagName)
	if s, ok := os.LookupEnv(v.Env); ok {
		return s
	}
	return v.Default
}

func usage(flagName string) string {
	v := lookup(flagName)
	return fmt.Sprintf("%s (env %s)", v.Usage, v.Env)
}

// DataFlags registers the flags of every command that opens the database.
func (c *Config) DataFlags(fs *flag.FlagSet) {
	c.usesData = true
	fs.StringVar(&c.DataDir, "data", env("data"), usage("data"))
	fs.StringVar(&c.DB, "db", env("db"), usage("db"))
	fs.Func("log-level", usage("log-level")+" (default "+env("log-level")+")", func(s string) error {
		return c.LogLevel.UnmarshalText([]byte(s))
	})
	_ = c.LogLevel.UnmarshalText([]byte(env("log-level")))
}

// EmbedFlags registers the flags that choose the embedder.
func (c *Config) EmbedFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Embedder, "embedder", env("embedder"), usage("embedder"))
	fs.StringVar(&c.EmbedModel, "embed-model", env("embed-model"), usage("embed-model"))
	fs.StringVar(&c.EmbedKey, "embed-key", env("embed-key"), usage("embed-key"))
	fs.StringVar(&c.WordVectors, "word-vectors", env("word-vectors"), usage("word-vectors"))
}

// ServeFlags registers the flags of the serve command.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.DataFlags(fs)
	fs.StringVar(&c.Addr, "addr", env("addr"), usage("addr"))
	demo, _ := strconv.ParseBool(env("demo"))
	fs.BoolVar(&c.Demo, "demo", demo, usage("demo"))
	c.EmbedFlags(fs)
	c.MailFlags(fs)
	c.CatalogueFlags(fs)
	fs.Func("submit-window", usage("submit-window")+" (default "+env("submit-window")+")", func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return fmt.Errorf("want a duration such as 336h")
		}
		c.SubmitWindow = d
		return nil
	})
	c.SubmitWindow, _ = time.ParseDuration(env("submit-window"))
	fs.IntVar(&c.DailyCap, "daily-cap", atoi(env("daily-cap")), usage("daily-cap"))
	fs.StringVar(&c.ArXivAPI, "arxiv-api", env("arxiv-api"), usage("arxiv-api"))
	fs.Func("trusted-proxies", usage("trusted-proxies"), func(s string) error {
		ps, err := parsePrefixes(s)
		c.TrustedProxies = ps
		return err
	})
	c.TrustedProxies, _ = parsePrefixes(env("trusted-proxies"))
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// parsePrefixes reads "10.0.0.0/8, 192.0.2.7": addresses are one-address prefixes.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a prefix such as 10.0.0.0/8", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// MailFlags registers the flags of the commands that send mail.
func (c *Config) MailFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.SMTPHost, "smtp-host", env("smtp-host"), usage("smtp-host"))
	fs.IntVar(&c.SMTPPort, "smtp-port", atoi(env("smtp-port")), usage("smtp-port"))
	fs.StringVar(&c.SMTPTLS, "smtp-tls", env("smtp-tls"), usage("smtp-tls"))
	fs.StringVar(&c.SMTPUser, "smtp-user", env("smtp-user"), usage("smtp-user"))
	fs.StringVar(&c.SMTPPassword, "smtp-password", env("smtp-password"), usage("smtp-password"))
	fs.StringVar(&c.MailFrom, "mail-from", env("mail-from"), usage("mail-from"))
	rate, _ := strconv.ParseFloat(env("mail-rate"), 64)
	fs.Float64Var(&c.MailRate, "mail-rate", rate, usage("mail-rate"))
	fs.IntVar(&c.DigestHour, "digest-hour", atoi(env("digest-hour")), usage("digest-hour"))
	fs.StringVar(&c.DigestZone, "digest-timezone", env("digest-timezone"), usage("digest-timezone"))
	fs.StringVar(&c.Secret, "secret", env("secret"), usage("secret"))
	fs.StringVar(&c.BaseURL, "base-url", env("base-url"), usage("base-url"))
	c.usesMail = true
}

// HarvestFlags registers the flags of harvesting arXiv. The categories
// come from DAILYPAPERS_HARVEST_CATEGORIES; serve takes them as a flag too
// (CatalogueFlags), the harvest command as --categories.
func (c *Config) HarvestFlags(fs *flag.FlagSet) {
	c.HarvestCategories = splitList(env("harvest-categories"))
	c.AutoFeed = splitList(env("auto-feed"))
	fs.Func("auto-feed", usage("auto-feed"), func(s string) error {
		c.AutoFeed = splitList(s)
		return nil
	})
	fs.StringVar(&c.OAIURL, "oai-url", env("oai-url"), usage("oai-url"))
}

// StarsFlags registers the flags of refreshing GitHub stars.
func (c *Config) StarsFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.GitHubAPI, "github-api", env("github-api"), usage("github-api"))
	fs.StringVar(&c.GitHubToken, "github-token", env("github-token"), usage("github-token"))
}

// CatalogueFlags registers serve's schedule of harvests and star refreshes.
func (c *Config) CatalogueFlags(fs *flag.FlagSet) {
	c.HarvestFlags(fs)
	fs.Func("harvest-categories", usage("harvest-categories")+" (default "+env("harvest-categories")+")", func(s string) error {
		c.HarvestCategories = splitList(s)
		return nil
	})
	c.StarsFlags(fs)
	fs.IntVar(&c.HarvestHour, "harvest-hour", atoi(env("harvest-hour")), usage("harvest-hour"))
	c.StarsEvery, _ = time.ParseDuration(env("stars-every"))
	fs.Func("stars-every", usage("stars-every")+" (default "+env("stars-every")+")", func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return fmt.Errorf("want a duration such as 24h")
		}
		c.StarsEvery = d
		return nil
	})
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// PublicURL is --base-url, or else the address serve listens on, for the
// links in mail.
func (c *Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimSuffix(c.BaseURL, "/")
	}
	addr := c.Addr
	if addr == "" {
		addr = env("addr")
	}
	return "http://" + addr
}

// SecretPath is where the generated signing key is kept.
func (c *Config) SecretPath() string { return filepath.Join(c.DataDir, "secret.key") }

// Postgres reports whether the database is PostgreSQL (--db).
func (c *Config) Postgres() bool { return c.DB != "" }

// DatabaseName says which database the command uses, without a password.
func (c *Config) DatabaseName() string {
	if !c.Postgres() {
		return c.DBPath()
	}
	if u, err := url.Parse(c.DB); err == nil {
		return u.Redacted()
	}
	return "PostgreSQL"
}

// DBPath is the SQLite database file.
func (c *Config) DBPath() string { return filepath.Join(c.DataDir, "dailypapers.db") }

// IndexPath is the search index's snapshot, beside the database.
func (c *Config) IndexPath() string { return filepath.Join(c.DataDir, "search.idx") }

// Validate checks the settings after parsing, naming what is wrong.
func (c *Config) Validate() error {
	var errs []error
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		errs = append(errs, fmt.Errorf("--db: want a PostgreSQL URL such as postgres://user:pass@host/dbname"))
	}
	if c.usesData && strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("--data must name a directory"))
	}
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("--addr %q: want host:port, such as 127.0.0.1:8080", c.Addr))
		}
	}
	switch e := c.Embedder; {
	case e == "", e == "builtin", e == "none":
	case strings.HasPrefix(e, "http://"), strings.HasPrefix(e, "https://"):
		if c.EmbedModel == "" {
			errs = append(errs, errors.New("--embedder is an API URL: give its model with --embed-model"))
		}
	default:
		errs = append(errs, fmt.Errorf("--embedder %q: want builtin, none, or an http(s) URL", e))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(env("log-level"))); err != nil {
		errs = append(errs, fmt.Errorf("DAILYPAPERS_LOG_LEVEL=%q: want debug, info, warn or error", os.Getenv("DAILYPAPERS_LOG_LEVEL")))
	}
	if d, err := time.ParseDuration(env("submit-window")); err != nil || d < 0 {
		errs = append(errs, fmt.Errorf("DAILYPAPERS_SUBMIT_WINDOW=%q: want a duration such as 336h", os.Getenv("DAILYPAPERS_SUBMIT_WINDOW")))
	}
	if n, err := strconv.Atoi(env("daily-cap")); err != nil || n < 0 {
		errs = append(errs, fmt.Errorf("DAILYPAPERS_DAILY_CAP=%q: want a whole number from 0", os.Getenv("DAILYPAPERS_DAILY_CAP")))
	}
	if c.DailyCap < 0 {
		errs = append(errs, fmt.Errorf("--daily-cap %d: want a whole number from 0", c.DailyCap))
	}
	if _, err := parsePrefixes(env("trusted-proxies")); err != nil {
		errs = append(errs, fmt.Errorf("DAILYPAPERS_TRUSTED_PROXIES: %v", err))
	}
	if u := c.BaseURL; u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		errs = append(errs, fmt.Errorf("--base-url %q: want an http(s) address such as https://papers.example.org", u))
	}
	if c.usesMail {
		switch c.SMTPTLS {
		case "starttls", "tls", "none":
		default:
			errs = append(errs, fmt.Errorf("--smtp-tls %q: want starttls, tls or none", c.SMTPTLS))
		}
		if c.SMTPPort < 1 || c.SMTPPort > 65535 {
			errs = append(errs, fmt.Errorf("--smtp-port %d: want a port from 1 to 65535", c.SMTPPort))
		}
		if c.MailRate < 0 {
			errs = append(errs, fmt.Errorf("--mail-rate %v: want 0 or more", c.MailRate))
		}
		if c.DigestHour < 0 || c.DigestHour > 23 {
			errs = append(errs, fmt.Errorf("--digest-hour %d: want 0 to 23", c.DigestHour))
		}
		if _, err := time.LoadLocation(c.DigestZone); err != nil {
			errs = append(errs, fmt.Errorf("--digest-timezone %q: not a time zone such as Europe/Berlin", c.DigestZone))
		}
		if c.Secret != "" && len(c.Secret) < 32 {
			errs = append(errs, errors.New("--secret: want at least 32 characters"))
		}
	}
	if c.HarvestHour < 0 || c.HarvestHour > 23 {
		errs = append(errs, fmt.Errorf("--harvest-hour %d: want 0 to 23", c.HarvestHour))
	}
	if d, err := time.ParseDuration(env("stars-every")); err != nil || d < 0 {
		errs = append(errs, fmt.Errorf("DAILYPAPERS_STARS_EVERY=%q: want a duration such as 24h", os.Getenv("DAILYPAPERS_STARS_EVERY")))
	}
	for _, u := range []struct{ flag, url string }{{"--oai-url", c.OAIURL}, {"--github-api", c.GitHubAPI}} {
		if u.url != "" && !strings.HasPrefix(u.url, "http://") && !strings.HasPrefix(u.url, "https://") {
			errs = append(errs, fmt.Errorf("%s %q: want an http(s) address", u.flag, u.url))
		}
	}
	if _, err := strconv.ParseBool(env("demo")); err != nil {
		errs = append(errs, fmt.Errorf("DAILYPAPERS_DEMO=%q: want true or false", os.Getenv("DAILYPAPERS_DEMO")))
	}
	return errors.Join(errs...)
}
