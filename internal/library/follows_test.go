package library

import (
	"testing"

	"github.com/dailypapers/dailypapers/internal/store"
)

func TestFollowTarget(t *testing.T) {
	for _, tc := range []struct {
		kind   store.FollowKind
		target string
		want   string // "" for an error
	}{
		{store.FollowAuthor, "Yann LeCun", "yann lecun"},
		{store.FollowAuthor, " Y. LeCun ", "y lecun"},
		{store.FollowAuthor, "...", ""},
		{store.FollowCategory, "cs.CL", "cs.CL"},
		{store.FollowCategory, "cs", "cs"},
		{store.FollowCategory, "hep-th", "hep-th"},
		{store.FollowCategory, "physics.acc-ph", "physics.acc-ph"},
		{store.FollowCategory, "CS.CL", ""},
		{store.FollowCategory, "cs.CL; drop", ""},
		{store.FollowCategory, "", ""},
		{store.FollowUser, "42", "42"},
		{store.FollowUser, "042", "42"},
		{store.FollowUser, "-1", ""},
		{store.FollowUser, "bob", ""},
		{store.FollowCollection, "7", "7"},
		{"planet", "x", ""},
	} {
		got, err := FollowTarget(tc.kind, tc.target)
		if tc.want == "" {
			if err == nil {
				t.Errorf("FollowTarget(%s, %q) = %q, want an error", tc.kind, tc.target, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("FollowTarget(%s, %q) = %q, %v; want %q", tc.kind, tc.target, got, err, tc.want)
		}
	}
}
