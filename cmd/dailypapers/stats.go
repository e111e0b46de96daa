package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/dailypapers/dailypapers/internal/config"
)

var statsCmd = command{
	name:    "stats",
	summary: "print what the database holds",
	help:    "Stats prints the number of papers, feed entries and users, and the feed's first and last day.",
	flags:   func(c *config.Config, fs *flag.FlagSet) runFunc { c.DataFlags(fs); return runStats },
}

func runStats(ctx context.Context, cfg *config.Config, _ []string, stdout, _ io.Writer) error {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database  %s\npapers    %d\nfeed      %d entries, %s .. %s\nusers     %d\n",
		cfg.DatabaseName(), s.Papers, s.FeedEntries, s.FirstDay, s.LastDay, s.Users)
	return nil
}
