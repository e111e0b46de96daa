package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Setting is one setting: its flag, its environment variable, its default
// and its doc, for flags, --help and the README alike, and the one parser
// that turns its text, from either place, into its Config field.
type Setting struct {
	Flag, Env, Default, Usage string
	// Type names what the flag takes in help ("duration", "list"); ""
	// for a switch such as --demo.
	Type string

	group    group // the commands that take it as a flag
	secret   bool  // never shown: not in help's defaults, not in errors
	password bool  // a URL that may hold a password: shown without it
	set      func(c *Config, s string) error
}

// shown is the setting's text as help and errors may show it: a secret's
// not at all, a database URL's without its password.
func (s *Setting) shown(text string) string {
	switch {
	case s.secret:
		return ""
	case s.password:
		if u, err := url.Parse(text); err == nil {
			return u.Redacted()
		}
		return ""
	}
	return text
}

// group is the set of commands that take a setting as a flag; each
// xxxFlags method registers the settings of one group.
type group int

const (
	dataGroup      group = iota // every command that opens the database
	embedGroup                  // the commands that embed papers
	serveGroup                  // serve alone
	mailGroup                   // the commands that send mail
	harvestGroup                // the commands that harvest arXiv
	starsGroup                  // the commands that refresh GitHub stars
	catalogueGroup              // serve's schedule of harvests and star refreshes
)

// Settings lists every setting, in the order of the top-level help and
// the README's table. Each parses the way it does whether it comes from
// its flag or its variable; what a value must be is said once, here.
var Settings = []Setting{
	{Flag: "addr", Env: "DAILYPAPERS_ADDR", Default: "127.0.0.1:8080", Usage: "address the web server listens on",
		group: serveGroup, Type: "string", set: text(func(c *Config) *string { return &c.Addr }, hostPort)},
	{Flag: "data", Env: "DAILYPAPERS_DATA", Default: "./data", Usage: "directory that holds the database (created if missing)",
		group: dataGroup, Type: "string", set: text(func(c *Config) *string { return &c.DataDir }, nil)},
	{Flag: "db", Env: "DAILYPAPERS_DB", Usage: "a PostgreSQL database (postgres://user:pass@host/db) instead of the SQLite file in --data",
		group: dataGroup, Type: "string", password: true, set: text(func(c *Config) *string { return &c.DB }, postgresURL)},
	{Flag: "demo", Env: "DAILYPAPERS_DEMO", Default: "true", Usage: "load the built-in demo papers when the database is empty",
		group: serveGroup, set: boolean(func(c *Config) *bool { return &c.Demo })},
	{Flag: "log-level", Env: "DAILYPAPERS_LOG_LEVEL", Default: "info", Usage: "debug, info, warn or error",
		group: dataGroup, Type: "level", set: level(func(c *Config) *slog.Level { return &c.LogLevel })},
	{Flag: "embedder", Env: "DAILYPAPERS_EMBEDDER", Default: "builtin", Usage: "semantic search: builtin, none, or the URL of an OpenAI-compatible embeddings API (http://localhost:11434/v1)",
		group: embedGroup, Type: "string", set: text(func(c *Config) *string { return &c.Embedder }, embedder)},
	{Flag: "embed-model", Env: "DAILYPAPERS_EMBED_MODEL", Usage: "model name for the embeddings API",
		group: embedGroup, Type: "string", set: text(func(c *Config) *string { return &c.EmbedModel }, nil)},
	{Flag: "embed-key", Env: "DAILYPAPERS_EMBED_KEY", Usage: "key for the embeddings API (prefer the variable to the flag)",
		group: embedGroup, Type: "string", secret: true, set: text(func(c *Config) *string { return &c.EmbedKey }, nil)},
	{Flag: "word-vectors", Env: "DAILYPAPERS_WORD_VECTORS", Usage: "embedding asset (made by train-embeddings or mkwordvec) to use instead of the built-in model; glove for the GloVe word vectors built in before it",
		group: embedGroup, Type: "string", set: text(func(c *Config) *string { return &c.WordVectors }, nil)},
	{Flag: "base-url", Env: "DAILYPAPERS_BASE_URL", Usage: "public address of the site, for links in mail (default http://ADDR)",
		group: mailGroup, Type: "string", set: text(func(c *Config) *string { return &c.BaseURL }, httpURL("an http(s) address such as https://papers.example.org"))},
	{Flag: "submit-window", Env: "DAILYPAPERS_SUBMIT_WINDOW", Default: "336h", Usage: "how old (since version 1) a submitted paper may be; 0 for no limit",
		group: serveGroup, Type: "duration", set: duration(func(c *Config) *time.Duration { return &c.SubmitWindow }, "336h")},
	{Flag: "daily-cap", Env: "DAILYPAPERS_DAILY_CAP", Default: "10", Usage: "papers one account may submit a day; 0 for no cap",
		group: serveGroup, Type: "int", set: whole(func(c *Config) *int { return &c.DailyCap }, 0, -1, "a whole number from 0")},
	{Flag: "arxiv-api", Env: "DAILYPAPERS_ARXIV_API", Default: "https://export.arxiv.org/api/query", Usage: "arXiv API endpoint that submitted papers are fetched from",
		group: serveGroup, Type: "string", set: text(func(c *Config) *string { return &c.ArXivAPI }, nil)},
	{Flag: "smtp-host", Env: "DAILYPAPERS_SMTP_HOST", Usage: "SMTP server for mail; empty writes mail to the log instead",
		group: mailGroup, Type: "string", set: text(func(c *Config) *string { return &c.SMTPHost }, nil)},
	{Flag: "smtp-port", Env: "DAILYPAPERS_SMTP_PORT", Default: "587", Usage: "SMTP port",
		group: mailGroup, Type: "int", set: whole(func(c *Config) *int { return &c.SMTPPort }, 1, 65535, "a port from 1 to 65535")},
	{Flag: "smtp-tls", Env: "DAILYPAPERS_SMTP_TLS", Default: "starttls", Usage: "SMTP TLS: starttls, tls (implicit, port 465) or none",
		group: mailGroup, Type: "string", set: text(func(c *Config) *string { return &c.SMTPTLS }, oneOf("starttls, tls or none", "starttls", "tls", "none"))},
	{Flag: "smtp-user", Env: "DAILYPAPERS_SMTP_USER", Usage: "SMTP user name, if the server wants one",
		group: mailGroup, Type: "string", set: text(func(c *Config) *string { return &c.SMTPUser }, nil)},
	{Flag: "smtp-password", Env: "DAILYPAPERS_SMTP_PASSWORD", Usage: "SMTP password (prefer the variable to the flag)",
		group: mailGroup, Type: "string", secret: true, set: text(func(c *Config) *string { return &c.SMTPPassword }, nil)},
	{Flag: "mail-from", Env: "DAILYPAPERS_MAIL_FROM", Default: "Daily Papers <papers@localhost>", Usage: "the From of every mail",
		group: mailGroup, Type: "string", set: text(func(c *Config) *string { return &c.MailFrom }, nil)},
	{Flag: "mail-rate", Env: "DAILYPAPERS_MAIL_RATE", Default: "10", Usage: "mails sent per second at most; 0 for no limit",
		group: mailGroup, Type: "float", set: rate(func(c *Config) *float64 { return &c.MailRate })},
	{Flag: "digest-hour", Env: "DAILYPAPERS_DIGEST_HOUR", Default: "8", Usage: "hour of the day (0-23) when digests go out",
		group: mailGroup, Type: "int", set: whole(func(c *Config) *int { return &c.DigestHour }, 0, 23, "0 to 23")},
	{Flag: "digest-timezone", Env: "DAILYPAPERS_DIGEST_TIMEZONE", Default: "UTC", Usage: "time zone of --digest-hour, such as Europe/Berlin",
		group: mailGroup, Type: "string", set: text(func(c *Config) *string { return &c.DigestZone }, timeZone)},
	{Flag: "secret", Env: "DAILYPAPERS_SECRET", Usage: "key that signs links in mail (32+ characters); empty uses <data>/secret.key, made at first start",
		group: mailGroup, Type: "string", secret: true, set: text(func(c *Config) *string { return &c.Secret }, signingKey)},
	{Flag: "harvest-categories", Env: "DAILYPAPERS_HARVEST_CATEGORIES", Default: "cs.AI,cs.CL,cs.CV,cs.LG", Usage: "arXiv categories or archives serve harvests each day; empty for none",
		group: catalogueGroup, Type: "list", set: list(func(c *Config) *[]string { return &c.HarvestCategories })},
	{Flag: "harvest-hour", Env: "DAILYPAPERS_HARVEST_HOUR", Default: "2", Usage: "hour of the day (0-23, UTC) when serve harvests arXiv",
		group: catalogueGroup, Type: "int", set: whole(func(c *Config) *int { return &c.HarvestHour }, 0, 23, "0 to 23")},
	{Flag: "auto-feed", Env: "DAILYPAPERS_AUTO_FEED", Usage: "categories whose newly harvested papers go on the feed on their announcement day without a submission",
		group: harvestGroup, Type: "list", set: list(func(c *Config) *[]string { return &c.AutoFeed })},
	{Flag: "oai-url", Env: "DAILYPAPERS_OAI_URL", Default: "https://oaipmh.arxiv.org/oai", Usage: "arXiv's OAI-PMH endpoint",
		group: harvestGroup, Type: "string", set: text(func(c *Config) *string { return &c.OAIURL }, httpURL("an http(s) address"))},
	{Flag: "github-api", Env: "DAILYPAPERS_GITHUB_API", Default: "https://api.github.com", Usage: "GitHub REST API endpoint",
		group: starsGroup, Type: "string", set: text(func(c *Config) *string { return &c.GitHubAPI }, httpURL("an http(s) address"))},
	{Flag: "github-token", Env: "DAILYPAPERS_GITHUB_TOKEN", Usage: "GitHub token for star refreshes: 5,000 requests an hour instead of 60 (prefer the variable to the flag)",
		group: starsGroup, Type: "string", secret: true, set: text(func(c *Config) *string { return &c.GitHubToken }, nil)},
	{Flag: "stars-every", Env: "DAILYPAPERS_STARS_EVERY", Default: "24h", Usage: "how old a repository's star count may get before serve asks GitHub again; 0 to stop",
		group: catalogueGroup, Type: "duration", set: duration(func(c *Config) *time.Duration { return &c.StarsEvery }, "24h")},
	{Flag: "trusted-proxies", Env: "DAILYPAPERS_TRUSTED_PROXIES", Usage: "comma-separated addresses or prefixes of reverse proxies whose X-Forwarded-For is believed",
		group: serveGroup, Type: "list", set: prefixes(func(c *Config) *[]netip.Prefix { return &c.TrustedProxies })},
	{Flag: "metrics-addr", Env: "DAILYPAPERS_METRICS_ADDR", Usage: "address of a listener of its own that serves Prometheus metrics at /metrics, such as 127.0.0.1:9090; empty for none",
		group: serveGroup, Type: "string", set: text(func(c *Config) *string { return &c.MetricsAddr }, hostPort)},
	{Flag: "metrics-token", Env: "DAILYPAPERS_METRICS_TOKEN", Usage: "serve /metrics on the site's own address to scrapers that send this bearer token (16 or more characters); empty: not there",
		group: serveGroup, Type: "string", secret: true, set: text(func(c *Config) *string { return &c.MetricsToken }, metricsToken)},
	{Flag: "access-log", Env: "DAILYPAPERS_ACCESS_LOG", Default: "true", Usage: "log one line per request at info level: method, route, status, bytes, duration, client address",
		group: serveGroup, set: boolean(func(c *Config) *bool { return &c.AccessLog })},
	{Flag: "drain", Env: "DAILYPAPERS_DRAIN", Default: "0s", Usage: "on SIGTERM, how long /readyz answers 503 while the site still serves, so that a load balancer stops sending requests before the listener closes",
		group: serveGroup, Type: "duration", set: duration(func(c *Config) *time.Duration { return &c.Drain }, "5s")},
	{Flag: "digest-every", Env: "DAILYPAPERS_DIGEST_EVERY", Default: "1m", Usage: "how often serve looks for due digests and retries; the digest lease lasts three times as long",
		group: serveGroup, Type: "duration", set: positive(func(c *Config) *time.Duration { return &c.DigestEvery }, "1m")},
}

// metricsToken wants a token too long to guess.
func metricsToken(s string) error {
	if s != "" && len(s) < 16 {
		return errors.New("want 16 or more characters")
	}
	return nil
}

// Lookup returns the setting of a flag.
func Lookup(flagName string) (Setting, bool) {
	for _, s := range Settings {
		if s.Flag == flagName {
			return s, true
		}
	}
	return Setting{}, false
}

// The parsers below make a setting's set function from the Config field
// it fills. Their errors say what is wanted, not what was given: the
// caller names the flag or the variable and quotes the value.

// text takes the string as it is, if check (when there is one) accepts it.
func text(field func(*Config) *string, check func(string) error) func(*Config, string) error {
	return func(c *Config, s string) error {
		if check != nil {
			if err := check(s); err != nil {
				return err
			}
		}
		*field(c) = s
		return nil
	}
}

// whole takes a whole number from lo to hi (hi < lo: no upper bound).
func whole(field func(*Config) *int, lo, hi int, want string) func(*Config, string) error {
	return func(c *Config, s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || (hi >= lo && n > hi) {
			return errors.New("want " + want)
		}
		*field(c) = n
		return nil
	}
}

// rate takes a number of 0 or more.
func rate(field func(*Config) *float64) func(*Config, string) error {
	return func(c *Config, s string) error {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || !(r >= 0) {
			return errors.New("want 0 or more")
		}
		*field(c) = r
		return nil
	}
}

func boolean(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, s string) error {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errors.New("want true or false")
		}
		*field(c) = b
		return nil
	}
}

// duration takes a duration of 0 or more, such as example.
func duration(field func(*Config) *time.Duration, example string) func(*Config, string) error {
	return func(c *Config, s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return errors.New("want a duration such as " + example)
		}
		*field(c) = d
		return nil
	}
}

// positive is duration for a setting that must be more than 0.
func positive(field func(*Config) *time.Duration, example string) func(*Config, string) error {
	set := duration(field, example)
	return func(c *Config, s string) error {
		if err := set(c, s); err != nil {
			return err
		}
		if *field(c) <= 0 {
			return errors.New("want a duration above 0 such as " + example)
		}
		return nil
	}
}

func level(field func(*Config) *slog.Level) func(*Config, string) error {
	return func(c *Config, s string) error {
		var l slog.Level
		if err := l.UnmarshalText([]byte(s)); err != nil {
			return errors.New("want debug, info, warn or error")
		}
		*field(c) = l
		return nil
	}
}

// list takes a comma-separated list, dropping empty items.
func list(field func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, s string) error {
		*field(c) = splitList(s)
		return nil
	}
}

func prefixes(field func(*Config) *[]netip.Prefix) func(*Config, string) error {
	return func(c *Config, s string) error {
		ps, err := parsePrefixes(s)
		if err != nil {
			return err
		}
		*field(c) = ps
		return nil
	}
}

// hostPort accepts host:port, or "" (any address, a port of the system's choosing).
func hostPort(s string) error {
	if s == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(s); err != nil {
		return errors.New("want host:port, such as 127.0.0.1:8080")
	}
	return nil
}

func postgresURL(s string) error {
	if s != "" && !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
		return errors.New("want a PostgreSQL URL such as postgres://user:pass@host/dbname")
	}
	return nil
}

// embedder accepts the embedders newEmbedder knows; that an API URL
// comes with a model is Validate's to check, as it takes two settings.
func embedder(s string) error {
	switch {
	case s == "", s == "builtin", s == "none", strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		return nil
	}
	return errors.New("want builtin, none, or an http(s) URL")
}

// httpURL accepts "" or an http(s) address.
func httpURL(want string) func(string) error {
	return func(s string) error {
		if s != "" && !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
			return errors.New("want " + want)
		}
		return nil
	}
}

func oneOf(want string, values ...string) func(string) error {
	return func(s string) error {
		for _, v := range values {
			if s == v {
				return nil
			}
		}
		return errors.New("want " + want)
	}
}

func timeZone(s string) error {
	if _, err := time.LoadLocation(s); err != nil {
		return errors.New("want a time zone such as Europe/Berlin")
	}
	return nil
}

// signingKey accepts "" (the key file is used) or a key long enough to sign with.
func signingKey(s string) error {
	if s != "" && len(s) < 32 {
		return errors.New("want at least 32 characters")
	}
	return nil
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
