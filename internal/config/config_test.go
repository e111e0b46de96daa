package config

import (
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
)

// env is a lookup over a map, for FromEnv.
func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// parse makes the configuration of serve (which takes every setting as a
// flag) from vars and args, as the command line does.
func parse(t *testing.T, vars map[string]string, args ...string) (*Config, error) {
	t.Helper()
	c := FromEnv(env(vars))
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.ServeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return c, c.Validate()
}

// samples holds a good value other than the default for every setting.
var samples = map[string]string{
	"addr":               "0.0.0.0:9000",
	"data":               "/srv/papers",
	"db":                 "postgres://u:p@db/papers",
	"demo":               "false",
	"log-level":          "debug",
	"embedder":           "none",
	"embed-model":        "nomic-embed-text",
	"embed-key":          "sk-123",
	"word-vectors":       "/srv/vectors.bin",
	"base-url":           "https://papers.example.org",
	"submit-window":      "48h",
	"daily-cap":          "3",
	"arxiv-api":          "http://arxiv.test/api/query",
	"smtp-host":          "mail.example.org",
	"smtp-port":          "465",
	"smtp-tls":           "tls",
	"smtp-user":          "papers",
	"smtp-password":      "hunter2",
	"mail-from":          "Papers <p@example.org>",
	"mail-rate":          "2.5",
	"digest-hour":        "23",
	"digest-timezone":    "Europe/Berlin",
	"secret":             strings.Repeat("k", 32),
	"harvest-categories": "math.AG, hep-th",
	"harvest-hour":       "0",
	"auto-feed":          "cs.CL,cs.LG",
	"oai-url":            "http://oai.test/oai",
	"github-api":         "http://github.test",
	"github-token":       "ghp_123",
	"stars-every":        "0",
	"trusted-proxies":    "10.0.0.0/8, 192.0.2.7",
	"metrics-addr":       "127.0.0.1:9090",
	"metrics-token":      "a-scraper-token-0123",
	"access-log":         "false",
	"drain":              "5s",
	"digest-every":       "10s",
}

// changed names the exported fields in which a and b differ.
func changed(a, b *Config) []string {
	var out []string
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := 0; i < va.NumField(); i++ {
		if f := va.Type().Field(i); f.IsExported() && !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out = append(out, f.Name)
		}
	}
	return out
}

// Each setting reads the same from its flag and from its variable, into
// a field of its own.
func TestEverySettingRoundTrips(t *testing.T) {
	defaults, err := parse(t, nil)
	if err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	owner := map[string]string{} // field -> setting
	for _, s := range Settings {
		sample, ok := samples[s.Flag]
		if !ok {
			t.Errorf("--%s has no sample value in this test", s.Flag)
			continue
		}
		fromFlag, err := parse(t, nil, "--"+s.Flag+"="+sample)
		if err != nil {
			t.Errorf("--%s=%s: %v", s.Flag, sample, err)
			continue
		}
		fromEnv, err := parse(t, map[string]string{s.Env: sample})
		if err != nil {
			t.Errorf("%s=%s: %v", s.Env, sample, err)
			continue
		}
		if d := changed(fromFlag, fromEnv); len(d) > 0 {
			t.Errorf("--%s and %s set to %q differ in %v", s.Flag, s.Env, sample, d)
		}
		d := changed(defaults, fromFlag)
		if len(d) != 1 {
			t.Errorf("--%s=%s changed %v, want one field", s.Flag, sample, d)
			continue
		}
		if other, ok := owner[d[0]]; ok {
			t.Errorf("--%s and --%s both set %s", s.Flag, other, d[0])
		}
		owner[d[0]] = s.Flag
	}
}

// A flag beats its variable, which beats the default.
func TestFlagBeatsEnvBeatsDefault(t *testing.T) {
	for _, tc := range []struct {
		vars map[string]string
		args []string
		want int
	}{
		{nil, nil, 8},
		{map[string]string{"DAILYPAPERS_DIGEST_HOUR": "9"}, nil, 9},
		{map[string]string{"DAILYPAPERS_DIGEST_HOUR": "9"}, []string{"--digest-hour", "10"}, 10},
		{nil, []string{"--digest-hour", "0"}, 0},
	} {
		c, err := parse(t, tc.vars, tc.args...)
		if err != nil || c.DigestHour != tc.want {
			t.Errorf("%v %q: digest hour %v (%v), want %d", tc.vars, tc.args, c.DigestHour, err, tc.want)
		}
	}
	// A list's variable can empty it, and so can its flag.
	c, err := parse(t, map[string]string{"DAILYPAPERS_HARVEST_CATEGORIES": ""})
	if err != nil || len(c.HarvestCategories) != 0 {
		t.Errorf("empty variable: %q, %v", c.HarvestCategories, err)
	}
	c, err = parse(t, map[string]string{"DAILYPAPERS_HARVEST_CATEGORIES": "cs.CL"}, "--harvest-categories=")
	if err != nil || len(c.HarvestCategories) != 0 {
		t.Errorf("empty flag: %q, %v", c.HarvestCategories, err)
	}
}

// A variable that does not parse is reported once, by name, whatever the
// command; a secret's value is not repeated in the error, nor a
// database's password.
func TestBadEnvironmentNamesTheVariable(t *testing.T) {
	for _, tc := range []struct{ env, value, want string }{
		{"DAILYPAPERS_ADDR", "localhost", "want host:port"},
		{"DAILYPAPERS_DB", "mysql://u:hunter2@db/x", "want a PostgreSQL URL"},
		{"DAILYPAPERS_DEMO", "sometimes", "want true or false"},
		{"DAILYPAPERS_LOG_LEVEL", "loud", "want debug, info, warn or error"},
		{"DAILYPAPERS_EMBEDDER", "ftp://x", "want builtin, none"},
		{"DAILYPAPERS_BASE_URL", "papers.example.org", "want an http(s) address"},
		{"DAILYPAPERS_SUBMIT_WINDOW", "-1h", "want a duration such as 336h"},
		{"DAILYPAPERS_DAILY_CAP", "ten", "want a whole number from 0"},
		{"DAILYPAPERS_DAILY_CAP", "-1", "want a whole number from 0"},
		{"DAILYPAPERS_SMTP_PORT", "abc", "want a port from 1 to 65535"},
		{"DAILYPAPERS_SMTP_PORT", "0", "want a port from 1 to 65535"},
		{"DAILYPAPERS_SMTP_TLS", "ssl", "want starttls, tls or none"},
		{"DAILYPAPERS_MAIL_RATE", "fast", "want 0 or more"},
		{"DAILYPAPERS_MAIL_RATE", "NaN", "want 0 or more"},
		{"DAILYPAPERS_DIGEST_HOUR", "24", "want 0 to 23"},
		{"DAILYPAPERS_DIGEST_TIMEZONE", "Mars/Olympus", "want a time zone"},
		{"DAILYPAPERS_SECRET", "hunter2", "want at least 32 characters"},
		{"DAILYPAPERS_HARVEST_HOUR", "x", "want 0 to 23"},
		{"DAILYPAPERS_OAI_URL", "oai.test", "want an http(s) address"},
		{"DAILYPAPERS_GITHUB_API", "api.github.com", "want an http(s) address"},
		{"DAILYPAPERS_STARS_EVERY", "daily", "want a duration such as 24h"},
		{"DAILYPAPERS_TRUSTED_PROXIES", "10.0.0.0/8,proxy", `"proxy" is not an address`},
		{"DAILYPAPERS_METRICS_ADDR", "9090", "want host:port"},
		{"DAILYPAPERS_METRICS_TOKEN", "hunter2", "want 16 or more characters"},
		{"DAILYPAPERS_ACCESS_LOG", "quiet", "want true or false"},
	} {
		// A command that takes none of the mail or serve settings (stats,
		// with DataFlags alone) still reports them.
		c := FromEnv(env(map[string]string{tc.env: tc.value}))
		c.DataFlags(flag.NewFlagSet("stats", flag.ContinueOnError))
		err := c.Validate()
		if err == nil {
			t.Errorf("%s=%s: no error", tc.env, tc.value)
			continue
		}
		msg := err.Error()
		if strings.Count(msg, tc.env) != 1 || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s=%s: error %q, want one line naming it once and saying %q", tc.env, tc.value, msg, tc.want)
		}
		if strings.Contains(msg, "hunter2") || tc.env == "DAILYPAPERS_DB" && !strings.Contains(msg, "mysql://u:xxxxx@db/x") {
			t.Errorf("%s: the error repeats a secret, or shows no redacted URL: %q", tc.env, msg)
		}
	}
}

// A flag parses as its variable does, with the same reason.
func TestBadFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--digest-hour", "24"}, "want 0 to 23"},
		{[]string{"--smtp-tls", "ssl"}, "want starttls, tls or none"},
		{[]string{"--log-level", "loud"}, "want debug, info, warn or error"},
		{[]string{"--demo=sometimes"}, "want true or false"},
		{[]string{"--trusted-proxies", "proxy"}, `"proxy" is not an address`},
		{[]string{"--db", "mysql://x"}, "want a PostgreSQL URL"},
	} {
		_, err := parse(t, nil, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
	// --demo alone is a switch.
	if c, err := parse(t, map[string]string{"DAILYPAPERS_DEMO": "false"}, "--demo"); err != nil || !c.Demo {
		t.Errorf("--demo: %v, %v", c.Demo, err)
	}
}

// What takes two settings is checked after both are read.
func TestValidateAcrossSettings(t *testing.T) {
	if _, err := parse(t, nil, "--embedder", "http://localhost:11434/v1"); err == nil || !strings.Contains(err.Error(), "--embed-model") {
		t.Errorf("an API without a model: %v", err)
	}
	if _, err := parse(t, nil, "--embedder", "http://localhost:11434/v1", "--embed-model", "m"); err != nil {
		t.Errorf("an API with a model: %v", err)
	}
	if _, err := parse(t, nil, "--data", " "); err == nil || !strings.Contains(err.Error(), "--data") {
		t.Errorf("--data blank: %v", err)
	}
	// eval takes no --data: an empty DAILYPAPERS_DATA does not concern it.
	c := FromEnv(env(map[string]string{"DAILYPAPERS_DATA": ""}))
	c.EmbedFlags(flag.NewFlagSet("eval", flag.ContinueOnError))
	if err := c.Validate(); err != nil {
		t.Errorf("eval with DAILYPAPERS_DATA empty: %v", err)
	}
}

// Every setting is some command's flag, with its variable in its usage,
// and shows the environment's value as its default except for secrets.
func TestFlagsShowTheirVariable(t *testing.T) {
	vars := map[string]string{}
	for _, s := range Settings {
		vars[s.Env] = samples[s.Flag]
	}
	c := FromEnv(env(vars))
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.ServeFlags(fs)
	for _, s := range Settings {
		f := fs.Lookup(s.Flag)
		if f == nil {
			t.Errorf("--%s is no flag of serve", s.Flag)
			continue
		}
		if !strings.HasSuffix(f.Usage, "(env "+s.Env+")") {
			t.Errorf("--%s usage %q does not name %s", s.Flag, f.Usage, s.Env)
		}
		want := samples[s.Flag]
		switch {
		case s.secret:
			want = ""
		case s.Flag == "db":
			want = "postgres://u:xxxxx@db/papers"
		}
		if f.DefValue != want {
			t.Errorf("--%s shows default %q, want %q", s.Flag, f.DefValue, want)
		}
	}
}
