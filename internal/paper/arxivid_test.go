package paper

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestParseIDGood(t *testing.T) {
	tests := []struct {
		in      string
		id      ID
		version int
	}{
		// New style, 2015 on: five digits after the dot.
		{"2509.02547", "2509.02547", 0},
		{"2509.02547v2", "2509.02547", 2},
		{"2509.02547V2", "2509.02547", 2},
		{"2509.02547v9999", "2509.02547", 9999},
		{"arXiv:2509.02547v2", "2509.02547", 2},
		{"arxiv:2509.02547", "2509.02547", 0},
		{"ARXIV:2509.02547", "2509.02547", 0},
		{"https://arxiv.org/abs/2509.02547", "2509.02547", 0},
		{"https://arxiv.org/abs/2509.02547/", "2509.02547", 0},
		{"https://arxiv.org/pdf/2509.02547v1", "2509.02547", 1},
		{"https://arxiv.org/pdf/2509.02547v1.pdf", "2509.02547", 1},
		{"https://arxiv.org/html/2509.02547v3", "2509.02547", 3},
		{"https://www.arxiv.org/abs/2509.02547", "2509.02547", 0},
		{"http://export.arxiv.org/abs/2509.02547v4", "2509.02547", 4},
		{"HTTPS://ARXIV.ORG/ABS/2509.02547", "2509.02547", 0},
		{"arxiv.org/abs/2509.02547", "2509.02547", 0},
		{"2509.02547.pdf", "2509.02547", 0},
		{"  2509.02547  ", "2509.02547", 0},
		{"\t2509.02547v2\n", "2509.02547", 2},
		{"2509.02547" + strings.Repeat(" ", 10000), "2509.02547", 0},
		{"1501.00249", "1501.00249", 0},
		// New style, April 2007 to 2014: four digits.
		{"0704.0001", "0704.0001", 0},
		{"0704.0001v2", "0704.0001", 2},
		{"1412.9999", "1412.9999", 0},
		// Old style: the subject class is dropped.
		{"math/0601001", "math/0601001", 0},
		{"math/0601001v2", "math/0601001", 2},
		{"math.GT/0309136v3", "math/0309136", 3},
		{"math.gt/0309136", "math/0309136", 0},
		{"MATH/0601001", "math/0601001", 0}, // archive names are folded to lower case
		{"hep-th/9901001", "hep-th/9901001", 0},
		{"solv-int/9901001", "solv-int/9901001", 0},
		{"solv-int/9901001v1", "solv-int/9901001", 1},
		{"hep-th/9108001", "hep-th/9108001", 0}, // the first month of arXiv
		{"math/0703999", "math/0703999", 0},     // the last month of old-style ids
		{"arXiv:math/0601001", "math/0601001", 0},
		{"https://arxiv.org/abs/math.GT/0309136v3", "math/0309136", 3},
		{"https://arxiv.org/pdf/hep-th/9901001v2.pdf", "hep-th/9901001", 2},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			id, v, err := ParseID(tt.in)
			if err != nil {
				t.Fatalf("ParseID(%q) error: %v", tt.in, err)
			}
			if id != tt.id || v != tt.version {
				t.Errorf("ParseID(%q) = %q, %d; want %q, %d", tt.in, id, v, tt.id, tt.version)
			}
		})
	}
}

func TestParseIDBad(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"spaces", "   "},
		{"four digits after 2015", "2509.2547"},
		{"six digits", "2509.025470"},
		{"month 13", "2513.02547"},
		{"month 0", "2500.02547"},
		{"before new style", "0703.0001"},
		{"five digits before 2015", "1412.00001"},
		{"four digits in 2015", "1501.0001"},
		{"no dot", "250902547"},
		{"dot misplaced", "25090.2547"},
		{"empty version", "2509.02547v"},
		{"version 0", "2509.02547v0"},
		{"version 00", "2509.02547v00"},
		{"negative version", "2509.02547v-1"},
		{"signed version", "2509.02547v+1"},
		{"version too long", "2509.02547v10000"},
		{"two versions", "2509.02547v2v3"},
		{"space before version", "2509.02547 v2"},
		{"inner space", "2509. 02547"},
		{"old style eight digits", "math/07040001"},
		{"old style six digits", "math/060100"},
		{"old style after March 2007", "math/0704001"},
		{"old style before August 1991", "hep-th/9107001"},
		{"old style month 13", "math/0613001"},
		{"no archive", "/0601001"},
		{"no number", "math/"},
		{"empty subject class", "math./0601001"},
		{"long subject class", "math.GTX/0309136"},
		{"digit in subject class", "math.G1/0309136"},
		{"leading hyphen", "-math/0601001"},
		{"trailing hyphen", "math-/0601001"},
		{"digit in archive", "m4th/0601001"},
		{"space in archive", "ma th/0601001"},
		{"too many slashes", "math/0601/001"},
		{"old style empty version", "math/0601001v"},
		{"fullwidth digits", "２５０９.０２５４７"},
		{"arabic-indic digit", "2509.0254٧"},
		{"10k characters", strings.Repeat("1", 10000)},
		{"10k characters of id", strings.Repeat("2509.02547", 1000)},
		{"NUL after", "2509.02547\x00"},
		{"NUL inside", "2509\x00.02547"},
		{"escape sequence", "\x1b[31m2509.02547"},
		{"DEL", "2509.02547\x7f"},
		{"other host", "https://example.org/abs/2509.02547"},
		{"url without id", "https://arxiv.org/abs/"},
		{"bare host", "https://arxiv.org"},
		{"double prefix", "arXiv:arXiv:2509.02547"},
		{"doi", "10.48550/arXiv.2509.02547"},
		{"just v2", "v2"},
		{"just a dot", "."},
		{"pdf suffix and slash", "2509.02547v1.pdf/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, v, err := ParseID(tt.in)
			if err == nil {
				t.Fatalf("ParseID(%q) = %q, %d; want an error", tt.in, id, v)
			}
			if !errors.Is(err, ErrBadID) {
				t.Errorf("ParseID(%q) error %v does not wrap ErrBadID", tt.in, err)
			}
			if id != "" || v != 0 {
				t.Errorf("ParseID(%q) returned %q, %d along with the error", tt.in, id, v)
			}
		})
	}
}

func TestMustParseID(t *testing.T) {
	if got := MustParseID("arXiv:2509.02547v2"); got != "2509.02547" {
		t.Errorf("MustParseID = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParseID of a bad id did not panic")
		}
	}()
	MustParseID("2509.2547")
}

func TestIDURLs(t *testing.T) {
	id := MustParseID("math.GT/0309136v3")
	for _, tt := range []struct{ got, want string }{
		{id.AbsURL(), "https://arxiv.org/abs/math/0309136"},
		{id.PDFURL(), "https://arxiv.org/pdf/math/0309136"},
		{id.Path(), "/papers/math/0309136"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

var versionSuffix = regexp.MustCompile(`[vV][0-9]+$`)

func FuzzParseID(f *testing.F) {
	for _, s := range []string{
		"2509.02547", "2509.02547v2", "arXiv:2509.02547v2", "https://arxiv.org/pdf/2509.02547v1.pdf",
		"http://export.arxiv.org/abs/2509.02547", "0704.0001", "math/0601001", "math.GT/0309136v3",
		"hep-th/9901001", "solv-int/9901001", " 2509.02547 ", "2513.02547", "2509.02547v", "math/07040001",
		"/0601001", "MATH/0601001", "２５０９.０２５４７", "https://arxİv.org/abs/2509.02547", "v1", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, v, err := ParseID(s)
		if err != nil {
			if !errors.Is(err, ErrBadID) {
				t.Fatalf("ParseID(%q) error %v does not wrap ErrBadID", s, err)
			}
			if id != "" || v != 0 {
				t.Fatalf("ParseID(%q) returned %q, %d along with an error", s, id, v)
			}
			return
		}
		if v < 0 {
			t.Fatalf("ParseID(%q) version %d", s, v)
		}
		if id == "" || versionSuffix.MatchString(string(id)) {
			t.Fatalf("ParseID(%q) = %q: not a canonical id", s, id)
		}
		id2, v2, err := ParseID(string(id))
		if err != nil || id2 != id || v2 != 0 {
			t.Fatalf("ParseID(%q) = %q, but ParseID(%q) = %q, %d, %v", s, id, id, id2, v2, err)
		}
	})
}
