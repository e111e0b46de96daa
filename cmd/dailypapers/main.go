// Command dailypapers serves a community's daily research-paper feed and
// runs the jobs that fill it. Run "dailypapers --help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"syscall"
	_ "time/tzdata" // --digest-timezone works on machines without a zone database

	"github.com/dailypapers/dailypapers/internal/config"
)

// command is one subcommand: its flags, its help and what it does.
type command struct {
	name, args, summary, help string
	// flags declares the command's flags on fs, into cfg for the shared
	// settings and into a flag struct of the command's own for the rest,
	// made anew on each call, and returns the run that reads them: no flag
	// value outlives its command line or is seen by another command's.
	flags func(c *config.Config, fs *flag.FlagSet) runFunc
}

// runFunc runs a command once its flags are parsed.
type runFunc func(ctx context.Context, c *config.Config, args []string, stdout, stderr io.Writer) error

var commands = []command{serveCmd, mcpCmd, importCmd, harvestCmd, starsCmd, searchCmd, reindexCmd, evalCmd, trainCmd, statsCmd, userCreateCmd, tokenCreateCmd, digestPreviewCmd, digestSendCmd, migrateCmd, copyCmd, backupCmd, restoreCmd}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	var u usageError
	if errors.As(err, &u) {
		fmt.Fprintln(os.Stderr, "dailypapers:", err)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dailypapers:", err)
		os.Exit(1)
	}
}

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 {
			return run(ctx, append(slices.Clone(args[1:]), "--help"), stdout, stderr)
		}
		mainUsage(stdout)
		if len(args) == 0 {
			return usageError{errors.New("no command given")}
		}
		return nil
	}
	for _, cmd := range commands {
		words := strings.Fields(cmd.name) // "user create" takes two
		if len(args) < len(words) || !slices.Equal(args[:len(words)], words) {
			continue
		}
		cfg := config.FromEnv(os.LookupEnv)
		fs := flag.NewFlagSet("dailypapers "+cmd.name, flag.ContinueOnError)
		// The flag package prints a parse error and the whole help; the
		// error alone is returned instead, with a hint, and the help is
		// printed only when asked for.
		fs.SetOutput(io.Discard)
		fs.Usage = func() {}
		run := cmd.flags(cfg, fs)
		if err := fs.Parse(args[len(words):]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(stdout, "Usage: dailypapers %s [flags] %s\n\n%s\n\nFlags:\n", cmd.name, cmd.args, cmd.help)
				printFlags(stdout, fs)
				return err
			}
			return usageError{fmt.Errorf("%s; run \"dailypapers %s --help\" for its flags", twoDashes(err), cmd.name)}
		}
		if err := cfg.Validate(); err != nil {
			return usageError{err}
		}
		slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
		return run(ctx, cfg, fs.Args(), stdout, stderr)
	}
	return unknownCommand(args, stdout)
}

// unknownCommand answers a command line that names no command: a group's
// word ("digest") lists the group's commands, anything else is one line
// of error with a hint rather than the whole help.
func unknownCommand(args []string, stdout io.Writer) error {
	var group []command
	for _, cmd := range commands {
		if words := strings.Fields(cmd.name); len(words) > 1 && words[0] == args[0] {
			group = append(group, cmd)
		}
	}
	if len(group) == 0 {
		return usageError{fmt.Errorf("unknown command %q; run \"dailypapers --help\" for the list", args[0])}
	}
	if len(args) > 1 && (args[1] == "-h" || args[1] == "--help" || args[1] == "-help") {
		fmt.Fprintf(stdout, "Usage: dailypapers %s <command> [flags] [arguments]\n\nCommands:\n", args[0])
		printCommands(stdout, group)
		fmt.Fprintf(stdout, "\nRun \"dailypapers %s <command> --help\" for a command's flags.\n", args[0])
		return flag.ErrHelp
	}
	var names []string
	for _, cmd := range group {
		names = append(names, strings.Fields(cmd.name)[1])
	}
	what := fmt.Sprintf("%q needs a command", args[0])
	if len(args) > 1 {
		what = fmt.Sprintf("unknown command %q", args[0]+" "+args[1])
	}
	return usageError{fmt.Errorf("%s (%s %s); run \"dailypapers %s --help\" for more",
		what, args[0], strings.Join(names, " or "), args[0])}
}

func printCommands(w io.Writer, cmds []command) {
	width := 0
	for _, cmd := range cmds {
		width = max(width, len(cmd.name))
	}
	for _, cmd := range cmds {
		fmt.Fprintf(w, "  %-*s  %s\n", width, cmd.name, cmd.summary)
	}
}

// twoDashes spells the flag in a parse error of the flag package
// ("flag provided but not defined: -x", "invalid value "v" for flag -x",
// "invalid boolean value "v" for -x") as the help does, --x.
func twoDashes(err error) string {
	return flagInError.ReplaceAllString(err.Error(), "$1 --$2")
}

var flagInError = regexp.MustCompile(`(defined:|argument:|flag|for) -([a-z])`)

// printFlags lists a command's flags as the README and the top-level help
// spell them, "--name TYPE", where the flag package's PrintDefaults writes
// "-name type"; the parser takes either.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		if t, ok := f.Value.(interface{ Type() string }); ok {
			typ = t.Type() // a setting's, which the flag package calls "value"
		}
		line := "  --" + f.Name
		if typ != "" {
			line += " " + strings.ToUpper(typ)
		}
		switch f.DefValue {
		case "", "0", "0s", "false":
		default:
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "%s\n      %s\n", line, strings.ReplaceAll(usage, "\n", "\n      "))
	})
}

func mainUsage(w io.Writer) {
	fmt.Fprintln(w, `dailypapers serves a community's daily research-paper feed: papers people
submit and upvote, paper pages, trending, search, accounts, email digests, a
JSON API and feeds, from one binary and one SQLite file (or PostgreSQL, with
--db, for several processes).

Usage: dailypapers <command> [flags] [arguments]

Commands:`)
	printCommands(w, commands)
	fmt.Fprintln(w, "\nRun \"dailypapers <command> --help\" for a command's flags. Every flag can also be\nset with an environment variable:")
	flagWidth, envWidth := 0, 0
	for _, v := range config.Settings {
		flagWidth, envWidth = max(flagWidth, len(v.Flag)), max(envWidth, len(v.Env))
	}
	for _, v := range config.Settings {
		def := ""
		if v.Default != "" {
			def = " (default " + v.Default + ")"
		}
		fmt.Fprintf(w, "  --%-*s  %-*s  %s%s\n", flagWidth, v.Flag, envWidth, v.Env, v.Usage, def)
	}
}
