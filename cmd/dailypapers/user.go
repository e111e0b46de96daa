package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/config"
	"github.com/dailypapers/dailypapers/internal/mail"
	"github.com/dailypapers/dailypapers/internal/store"
)

// userFlags are user create's own flags.
type userFlags struct {
	email, username, name string
	admin, passwordStdin  bool
}

// stdin is where user create reads a password; tests replace it.
var stdin io.Reader = os.Stdin

var userCreateCmd = command{
	name:    "user create",
	args:    "--email ADDRESS --username NAME",
	summary: "create an account (an admin with --admin)",
	help: `User create adds an account that can sign in. The password is asked for
twice on a terminal, or read from the first line of standard input with
--password-stdin (for scripts: printf '%s\n' "$PW" | dailypapers user create ...).
It must be at least 10 characters; it is stored as an argon2id hash.`,
	flags: func(c *config.Config, fs *flag.FlagSet) runFunc {
		var f userFlags
		c.DataFlags(fs)
		fs.StringVar(&f.email, "email", "", "the account's email address (required)")
		fs.StringVar(&f.username, "username", "", "the name shown on the site: 2-40 letters, digits, - or _ (required)")
		fs.StringVar(&f.name, "name", "", "full name, optional")
		fs.BoolVar(&f.admin, "admin", false, "make the account an admin (moderation)")
		fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
		return func(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) error {
			return runUserCreate(ctx, cfg, f, args, stdout, stderr)
		}
	},
}

func runUserCreate(ctx context.Context, cfg *config.Config, f userFlags, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("user create takes flags only, got %q", args)}
	}
	// The same rule as the sign-up form's.
	email, err := mail.CheckAddress(f.email)
	if err != nil {
		return usageError{fmt.Errorf("--email %q: %v", f.email, err)}
	}
	f.email = email
	if err := auth.CheckUsername(f.username); err != nil {
		return usageError{fmt.Errorf("--username %q: %v", f.username, err)}
	}
	pw, err := readNewPassword(f.passwordStdin, stderr)
	if err != nil {
		return err
	}
	if err := auth.CheckPassword(pw); err != nil {
		return usageError{err}
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := st.CreateAccount(ctx, store.Account{User: store.User{Username: f.username, Fullname: f.name},
		Email: f.email, PasswordHash: hash, Admin: f.admin})
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("user create: the username %q or the address %s is taken", f.username, f.email)
	}
	if err != nil {
		return err
	}
	role := "account"
	if a.Admin {
		role = "admin account"
	}
	fmt.Fprintf(stdout, "created %s %s <%s> (id %d)\n", role, a.Username, a.Email, a.ID)
	return nil
}

// readNewPassword reads the first line of stdin, or asks twice on a
// terminal.
func readNewPassword(fromStdin bool, stderr io.Writer) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", usageError{errors.New("--password-stdin: no password on standard input")}
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usageError{errors.New("give the password with --password-stdin when not at a terminal")}
	}
	fmt.Fprint(stderr, "Password: ")
	first, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(stderr, "Again: ")
	second, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	if string(first) != string(second) {
		return "", usageError{errors.New("the two passwords differ")}
	}
	return string(first), nil
}
