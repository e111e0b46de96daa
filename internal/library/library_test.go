package library

import (
	"errors"
	"strings"
	"testing"
)

func TestTitle(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"Reading list", "Reading list", true},
		{"  Reading \t list  ", "Reading list", true},
		{strings.Repeat("é", MaxTitle), strings.Repeat("é", MaxTitle), true},
		{strings.Repeat("é", MaxTitle+1), "", false},
		{"", "", false},
		{"   ", "", false},
		{"!!!", "", false},
		{"a\x00b", "", false},
		{"\xff", "", false},
		{"a\nb", "", false},
	} {
		got, err := Title(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Title(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("Title(%q): %v is not ErrInvalid", tc.in, err)
		}
	}
}

func TestDescription(t *testing.T) {
	if _, err := Description(strings.Repeat("x", MaxDescription+1)); err == nil {
		t.Error("an over-long description was taken")
	}
	if got, err := Description(" two\nlines "); err != nil || got != "two lines" {
		t.Errorf("Description = %q, %v", got, err)
	}
	if got, err := Description(""); err != nil || got != "" {
		t.Errorf("empty description = %q, %v", got, err)
	}
}

func TestTheme(t *testing.T) {
	if got, err := Theme(""); err != nil || got != DefaultTheme {
		t.Errorf("Theme(\"\") = %q, %v", got, err)
	}
	if _, err := Theme("chartreuse"); err == nil {
		t.Error("an unknown theme was taken")
	}
}

func TestNote(t *testing.T) {
	body, html, err := Note("  **bold** <script>x</script> ")
	if err != nil || body == "" || !strings.Contains(string(html), "<strong>bold</strong>") || strings.Contains(string(html), "<script") {
		t.Errorf("Note = %q, %q, %v", body, html, err)
	}
	if body, html, err := Note("   "); err != nil || body != "" || html != "" {
		t.Errorf("a blank note = %q, %q, %v", body, html, err)
	}
	_, _, err = Note(strings.Repeat("x", MaxNote+1))
	if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "note") {
		t.Errorf("an over-long note: %v", err)
	}
}

func TestSlugAndPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Reading list", "reading-list"},
		{"Über Graphen!", "uber-graphen"},
		{"  GPT-4: what's new? ", "gpt-4-what-s-new"},
		{"注意力", ""},
		{strings.Repeat("word ", 20), strings.TrimSuffix(strings.Repeat("word-", 10), "-")},
	} {
		if got := Slug(tc.in); got != tc.want {
			t.Errorf("Slug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Path("注意力", 7); got != "c-7" {
		t.Errorf("Path of a title without a slug = %q", got)
	}
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"reading-list-12", 12, true},
		{"c-7", 7, true},
		{"old-title-12", 12, true},
		{"12", 0, false},
		{"x-0", 0, false},
		{"x-+1", 0, false},
		{"x-99999999999999999999", 0, false},
	} {
		id, ok := ParsePath(tc.in)
		if id != tc.want || ok != tc.ok {
			t.Errorf("ParsePath(%q) = %d, %v; want %d, %v", tc.in, id, ok, tc.want, tc.ok)
		}
	}
}
