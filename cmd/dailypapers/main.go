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
	"slices"
	"strings"
	"syscall"
	_ "time/tzdata" // --digest-timezone works on machines without a zone database

	"github.com/dailypapers/dailypapers/internal/config"
)

// command is one subcommand: its flags, its help and what it does.
type command struct {
	name, args, summary, help string
	flags                     func(c *config.Config, fs *flag.FlagSet)
	run                       func(ctx context.Context, c *config.Config, args []string, stdout, stderr io.Writer) error
}

var commands = []command{serveCmd, importCmd, harvestCmd, starsCmd, searchCmd, reindexCmd, evalCmd, statsCmd, userCreateCmd, digestPreviewCmd, digestSendCmd, migrateCmd, copyCmd}

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
		var cfg config.Config
		fs := flag.NewFlagSet("dailypapers "+cmd.name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		cmd.flags(&cfg, fs)
		fs.Usage = func() {
			fmt.Fprintf(stdout, "Usage: dailypapers %s [flags] %s\n\n%s\n\nFlags:\n", cmd.name, cmd.args, cmd.help)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			fs.SetOutput(stderr)
		}
		if err := fs.Parse(args[len(words):]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageError{err}
		}
		if err := cfg.Validate(); err != nil {
			return usageError{err}
		}
		slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
		return cmd.run(ctx, &cfg, fs.Args(), stdout, stderr)
	}
	mainUsage(stderr)
	return usageError{fmt.Errorf("unknown command %q", args[0])}
}

func mainUsage(w io.Writer) {
	fmt.Fprintln(w, `dailypapers serves a community's daily research-paper feed: papers people
submit and upvote, paper pages, trending, search, accounts, email digests, a
JSON API and feeds, from one binary and one SQLite file (or PostgreSQL, with
--db, for several processes).

Usage: dailypapers <command> [flags] [arguments]

Commands:`)
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-15s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w, "\nRun \"dailypapers <command> --help\" for a command's flags. Every flag can also be\nset with an environment variable:")
	for _, v := range config.Vars {
		def := ""
		if v.Default != "" {
			def = " (default " + v.Default + ")"
		}
		fmt.Fprintf(w, "  --%-16s %-28s %s%s\n", v.Flag, v.Env, v.Usage, def)
	}
}
