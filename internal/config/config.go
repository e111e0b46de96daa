// Package config holds the settings of every dailypapers command, filled
// from flags with DAILYPAPERS_* environment variables as their defaults.
// Each setting is declared once, in Settings, which makes its flag, reads
// its variable and writes its line of help.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Config is the whole configuration, made by FromEnv. Each subcommand
// registers the flags it uses.
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
	// Drain is how long a stopping serve keeps serving with /readyz at
	// 503, for a load balancer to take it out of rotation first.
	Drain time.Duration

	// Operations: Prometheus metrics on a listener of their own
	// (MetricsAddr) or on the site's for a bearer token, and the access log.
	MetricsAddr  string
	MetricsToken string
	AccessLog    bool

	// Mail and digests.
	SMTPHost, SMTPTLS, SMTPUser, SMTPPassword, MailFrom string
	SMTPPort                                            int
	MailRate                                            float64
	DigestHour                                          int
	DigestZone                                          string
	Secret                                              string
	DigestEvery                                         time.Duration // how often serve looks for due digests

	// Keeping the catalogue full: arXiv harvesting and GitHub stars.
	HarvestCategories []string      // serve's daily harvest; empty: none
	HarvestHour       int           // hour of the day (UTC) it runs
	AutoFeed          []string      // categories whose new papers go on the feed by themselves
	OAIURL            string        // arXiv's OAI-PMH endpoint
	GitHubAPI         string        // the GitHub REST API
	GitHubToken       string        // optional: 5,000 requests an hour instead of 60
	StarsEvery        time.Duration // how old a star count may get; 0: serve does not refresh stars

	texts   map[string]string // each setting's text from the environment or its default, by flag
	envErrs []error           // the variables that did not parse
	uses    map[string]bool   // the settings the command takes as flags, by flag
}

// FromEnv returns the configuration of the environment: each setting
// parsed once from its DAILYPAPERS_* variable (looked up with lookup,
// os.LookupEnv outside tests), else from its default. A variable that
// does not parse leaves the default in place and is reported, with its
// name, by Validate. Every variable is read, not only those of the
// command's flags, since one environment serves every command: a mistake
// in it is better found by the first command run than by the next serve.
func FromEnv(lookup func(string) (string, bool)) *Config {
	c := &Config{texts: map[string]string{}}
	for _, s := range Settings {
		v, ok := lookup(s.Env)
		if ok {
			err := s.set(c, v)
			if err == nil {
				c.texts[s.Flag] = v
				continue
			}
			if shown := s.shown(v); shown == "" {
				err = fmt.Errorf("%s: %w", s.Env, err)
			} else {
				err = fmt.Errorf("%s=%q: %w", s.Env, shown, err)
			}
			c.envErrs = append(c.envErrs, err)
		}
		if err := s.set(c, s.Default); err != nil {
			panic(fmt.Sprintf("config: the default of --%s does not parse: %v", s.Flag, err))
		}
		c.texts[s.Flag] = s.Default
	}
	return c
}

// value is a setting's flag: it parses with the setting's own parser, so
// a flag and its variable take the same text.
type value struct {
	c    *Config
	s    *Setting
	text string
}

func (v *value) String() string {
	if v == nil || v.s == nil {
		return ""
	}
	return v.text
}

func (v *value) Set(s string) error {
	if err := v.s.set(v.c, s); err != nil {
		return err
	}
	v.text = s
	return nil
}

// IsBoolFlag lets a switch (--demo) be given without a value.
func (v *value) IsBoolFlag() bool { return v.s != nil && v.s.Type == "" }

// Type names what the flag takes, for help; the flag package would say
// "value".
func (v *value) Type() string { return v.s.Type }

// register adds the flags of a group's settings to fs. The default each
// shows is what the environment set, or the setting's default, as far as
// it may be shown.
func (c *Config) register(fs *flag.FlagSet, g group) {
	if c.texts == nil {
		panic("config: register flags on a Config from FromEnv")
	}
	if c.uses == nil {
		c.uses = map[string]bool{}
	}
	for i := range Settings {
		s := &Settings[i]
		if s.group != g {
			continue
		}
		c.uses[s.Flag] = true
		v := &value{c: c, s: s, text: s.shown(c.texts[s.Flag])}
		fs.Var(v, s.Flag, fmt.Sprintf("%s (env %s)", s.Usage, s.Env))
	}
}

// DataFlags registers the flags of every command that opens the database.
func (c *Config) DataFlags(fs *flag.FlagSet) { c.register(fs, dataGroup) }

// EmbedFlags registers the flags that choose the embedder.
func (c *Config) EmbedFlags(fs *flag.FlagSet) { c.register(fs, embedGroup) }

// ServeFlags registers the flags of the serve command.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.DataFlags(fs)
	c.register(fs, serveGroup)
	c.EmbedFlags(fs)
	c.MailFlags(fs)
	c.CatalogueFlags(fs)
}

// MailFlags registers the flags of the commands that send mail.
func (c *Config) MailFlags(fs *flag.FlagSet) { c.register(fs, mailGroup) }

// HarvestFlags registers the flags of harvesting arXiv. The categories
// come from DAILYPAPERS_HARVEST_CATEGORIES; serve takes them as a flag too
// (CatalogueFlags), the harvest command as --categories.
func (c *Config) HarvestFlags(fs *flag.FlagSet) { c.register(fs, harvestGroup) }

// StarsFlags registers the flags of refreshing GitHub stars.
func (c *Config) StarsFlags(fs *flag.FlagSet) { c.register(fs, starsGroup) }

// CatalogueFlags registers serve's schedule of harvests and star refreshes.
func (c *Config) CatalogueFlags(fs *flag.FlagSet) {
	c.HarvestFlags(fs)
	c.StarsFlags(fs)
	c.register(fs, catalogueGroup)
}

// PublicURL is --base-url, or else the address serve listens on, for the
// links in mail.
func (c *Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimSuffix(c.BaseURL, "/")
	}
	addr := c.Addr
	if addr == "" {
		addr = c.texts["addr"] // the environment's or the default, under --addr ""
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

// Validate reports the environment variables that did not parse, and
// what the settings of the command's flags ask that cannot be: a command
// that opens the database without a --data, an embeddings API without a
// model. Each setting's own value was checked as it was parsed.
func (c *Config) Validate() error {
	errs := slices.Clone(c.envErrs)
	if c.uses["data"] && strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("--data must name a directory"))
	}
	if e := c.Embedder; c.uses["embedder"] && (strings.HasPrefix(e, "http://") || strings.HasPrefix(e, "https://")) && c.EmbedModel == "" {
		errs = append(errs, errors.New("--embedder is an API URL: give its model with --embed-model"))
	}
	return errors.Join(errs...)
}
