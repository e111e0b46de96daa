package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

func TestTokenCreate(t *testing.T) {
	dir := t.TempDir()
	stdin = strings.NewReader("correct horse battery\n")
	t.Cleanup(func() { stdin = os.Stdin })
	if _, _, err := runCmd(t, "user", "create", "--data", dir, "--password-stdin", "--email", "ada@example.org", "--username", "ada"); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runCmd(t, "token", "create", "--data", dir, "--user", "ADA", "--name", "hub script")
	if err != nil {
		t.Fatalf("token create: %v (%s)", err, errOut)
	}
	token := strings.TrimSpace(out)
	if !strings.HasPrefix(token, auth.APITokenPrefix) || strings.Contains(token, "\n") || len(token) < 40 {
		t.Fatalf("token create printed %q, want the token alone", out)
	}
	if !strings.Contains(errOut, `"hub script" for ada`) {
		t.Errorf("stderr = %q", errOut)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "dailypapers.db"))
	if err != nil {
		t.Fatal(err)
	}
	a, tok, err := st.APITokenAccount(context.Background(), auth.HashToken(token), time.Now())
	if err != nil || a.Username != "ada" || tok.Name != "hub script" || !strings.HasPrefix(token, tok.Prefix) {
		t.Errorf("the printed token: account %q, token %+v, %v", a.Username, tok, err)
	}
	if err := st.SetDisabled(context.Background(), a.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()

	for _, tc := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"--user", "ada"}, "disabled", false},
		{[]string{"--user", "nobody"}, `no account "nobody"`, false},
		{nil, "--user is required", true},
		{[]string{"--user", "ada", "--name", strings.Repeat("x", 101)}, "--name", true},
		{[]string{"--user", "ada", "extra"}, "flags only", true},
	} {
		out, _, err := runCmd(t, append([]string{"token", "create", "--data", dir}, tc.args...)...)
		var u usageError
		if err == nil || !strings.Contains(err.Error(), tc.want) || errors.As(err, &u) != tc.usage || out != "" {
			t.Errorf("token create %q: out %q, error %v; want %q (usage error: %v) and no token", tc.args, out, err, tc.want, tc.usage)
		}
	}
}
