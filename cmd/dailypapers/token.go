package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/store"
)

// tokenFlags are token create's own flags.
type tokenFlags struct {
	user, name string
}

var tokenCreateCmd = command{
	name:    "token create",
	args:    "--user NAME [--name LABEL]",
	summary: "make a personal API token for an account, for a program",
	help: `Token create makes a personal API token for an account, as the account's
own /settings/tokens page does, so that an operator can give a program (a
script using huggingface_hub's collection functions with HF_ENDPOINT
pointed at this site, say) a token without the web form. The token is
printed once on standard output and only its hash is kept: store it now.
The account's owner sees it on /settings/tokens and may revoke it there.
An unknown or disabled account is an error.`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		var f tokenFlags
		c.DataFlags(fs)
		fs.StringVar(&f.user, "user", "", "the account's username (required)")
		fs.StringVar(&f.name, "name", "", `a label to tell the token apart, such as the program that will use it (default "command line")`)
		return func(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
			return runTokenCreate(ctx, cfg, f, args, stdout, stderr)
		}
	},
}

func runTokenCreate(ctx context.Context, cfg *config.Config, f tokenFlags, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("token create takes flags only, got %q", args)}
	}
	if f.user == "" {
		return usageError{errors.New("--user is required: the username of the account the token acts for")}
	}
	name := strings.TrimSpace(f.name)
	if name == "" {
		name = "command line"
	}
	// The same rule as the tokens page's.
	if len(name) > 100 || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return usageError{errors.New("--name: up to 100 characters, on one line")}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByName(ctx, f.user)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("token create: there is no account %q", f.user)
	}
	if err != nil {
		return err
	}
	a, err := st.Account(ctx, u.ID)
	if err != nil {
		return err
	}
	if !a.DisabledAt.IsZero() {
		return fmt.Errorf("token create: the account %s is disabled; a token of it would not work", a.Username)
	}
	token, hash, shown := auth.NewAPIToken()
	t, err := st.CreateAPIToken(ctx, store.APIToken{UserID: a.ID, Name: name, Prefix: shown, TokenHash: hash, CreatedAt: time.Now()})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "created token %d %q for %s; it is shown once, here:\n", t.ID, name, a.Username)
	fmt.Fprintln(stdout, token)
	return nil
}
