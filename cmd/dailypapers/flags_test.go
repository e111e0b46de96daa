package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/config"
)

// TestCommandsKeepTheirFlagsApart gives every command's flags values other
// than their defaults on one command line, then sets up the same command's
// flags again for a second command line, and checks that the first still
// holds its values. Flags kept in package-level variables fail this: the
// second setup writes the defaults over the first's values, as a second run
// in one process (a test, or serve's own jobs) would.
func TestCommandsKeepTheirFlagsApart(t *testing.T) {
	for _, cmd := range commands {
		t.Run(cmd.name, func(t *testing.T) {
			first := newFlagSet(cmd)
			want := map[string]string{}
			first.VisitAll(func(f *flag.Flag) {
				if v, ok := otherValue(f); ok {
					if err := first.Set(f.Name, v); err != nil {
						t.Fatalf("--%s %s: %v", f.Name, v, err)
					}
					want[f.Name] = f.Value.String()
				}
			})
			if len(want) == 0 {
				t.Skip("no flag of a plain kind to set")
			}
			second := newFlagSet(cmd)
			if err := second.Parse(nil); err != nil {
				t.Fatal(err)
			}
			for name, w := range want {
				if got := first.Lookup(name).Value.String(); got != w {
					t.Errorf("--%s: %q after a second setup, want %q: the two command lines share it", name, got, w)
				}
			}
		})
	}
}

func newFlagSet(cmd command) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cmd.flags(config.FromEnv(os.LookupEnv), fs)
	return fs
}

// otherValue is a value unlike f's default for the plain kinds of flag.
func otherValue(f *flag.Flag) (string, bool) {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return "", false
	}
	switch v := g.Get().(type) {
	case string:
		return v + "-other", true
	case bool:
		return fmt.Sprint(!v), true
	case int:
		return fmt.Sprint(v + 3), true
	case float64:
		return fmt.Sprint(v/2 + 0.125), true
	case time.Duration:
		return (v + 3*time.Minute).String(), true
	}
	return "", false
}
