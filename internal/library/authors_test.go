package library

import (
	"strings"
	"testing"
)

func TestAuthorKey(t *testing.T) {
	for _, tc := range []struct {
		name, key string
	}{
		{"Yann LeCun", "yann lecun"},
		{"  yann   LECUN ", "yann lecun"},
		{"Y. LeCun", "y lecun"},
		{"Y LeCun", "y lecun"},
		{"Y.LeCun", "y lecun"},
		{"Jürgen Schmidhuber", "jurgen schmidhuber"},
		{"Ju\u0308rgen Schmidhuber", "jurgen schmidhuber"}, // decomposed already
		{"Łukasz Kaiser", "lukasz kaiser"},
		{"Søren Hauberg", "soren hauberg"},
		{"Jean-Pierre Serre", "jean pierre serre"},
		{"Conan O'Brien", "conan obrien"},
		{"Conan O’Brien", "conan obrien"},
		{"ﬁrst Ｌａｓｔ", "first last"}, // compatibility forms
		{"李飞飞", "李飞飞"},
		{"LeCun, Yann", "lecun yann"},
		{"", ""},
		{"...", ""},
	} {
		if got := AuthorKey(tc.name); got != tc.key {
			t.Errorf("AuthorKey(%q) = %q, want %q", tc.name, got, tc.key)
		}
	}
}

// Initials are never expanded: the rule must not merge two people.
func TestAuthorKeyKeepsInitialsApart(t *testing.T) {
	if AuthorKey("Y. LeCun") == AuthorKey("Yann LeCun") {
		t.Fatal("an initial was merged with a first name")
	}
}

func TestAuthorKeyBounded(t *testing.T) {
	k := AuthorKey(strings.Repeat("Ŵ", 10000))
	if len(k) > MaxAuthorKey || !strings.HasPrefix(k, "www") {
		t.Fatalf("key of %d bytes: %.20q", len(k), k)
	}
	k = AuthorKey(strings.Repeat("名", 1000))
	if len(k) > MaxAuthorKey || !strings.HasPrefix(k, "名") || strings.ContainsRune(k, '\uFFFD') {
		t.Fatalf("key of %d bytes cut badly", len(k))
	}
}

func FuzzAuthorKey(f *testing.F) {
	for _, s := range []string{"Yann LeCun", "Y. LeCun", "Ø'-ß", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := AuthorKey(s)
		if len(k) > MaxAuthorKey {
			t.Fatalf("key too long: %d", len(k))
		}
		if AuthorKey(k) != k {
			t.Fatalf("key of a key changed: %q -> %q", k, AuthorKey(k))
		}
	})
}
