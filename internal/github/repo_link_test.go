package github

import (
	"strings"
	"testing"
)

var findRepoTests = []struct {
	name  string
	texts []string
	want  string // "" for none
}{
	// From the recordings in /work/shared/data/wire: an arXiv OAI comment
	// (2014) and an arXiv API comment (2025).
	{"arXiv comment", []string{"Comment: 11 pages, 4 figures; the numerical routines used for the simulation\n  results are part of SPECTRE (short-packet communication toolbox) and can be\n  downloaded at https://github.com/yp-mit/spectre"}, "yp-mit/spectre"},
	{"project site on github.io", []string{"39th Conference on Neural Information Processing Systems (NeurIPS\n  2025); Project Website: rdd-neurips.github.io"}, ""},

	{"https", []string{"Code: https://github.com/owner/repo"}, "owner/repo"},
	{"http", []string{"Code: http://github.com/a-b/c_d"}, "a-b/c_d"},
	{"www", []string{"www.github.com/Owner/Repo"}, "Owner/Repo"},
	{"https www", []string{"https://www.github.com/owner/repo"}, "owner/repo"},
	{"no scheme", []string{"code at github.com/owner/repo"}, "owner/repo"},
	{"host case", []string{"HTTPS://GitHub.com/Owner/Repo"}, "Owner/Repo"},
	{".git", []string{"git clone github.com/owner/repo.git"}, "owner/repo"},
	{".git and period", []string{"Clone https://github.com/owner/repo.git."}, "owner/repo"},
	{"sentence period", []string{"Code is available at https://github.com/owner/repo."}, "owner/repo"},
	{"ellipsis", []string{"see https://github.com/owner/repo..."}, "owner/repo"},
	{"parenthesised", []string{"(code: https://github.com/owner/repo)."}, "owner/repo"},
	{"comma", []string{"https://github.com/owner/repo, and"}, "owner/repo"},
	{"semicolon", []string{"https://github.com/owner/repo; data"}, "owner/repo"},
	{"colon", []string{"https://github.com/owner/repo: code"}, "owner/repo"},
	{"trailing slash", []string{"https://github.com/owner/repo/"}, "owner/repo"},
	{"tree path", []string{"https://github.com/owner/repo/tree/main/experiments/x.py"}, "owner/repo"},
	{"release asset", []string{"https://github.com/owner/repo/releases/download/v1.0/x.zip"}, "owner/repo"},
	{"fragment", []string{"https://github.com/owner/repo#readme"}, "owner/repo"},
	{"query", []string{"https://github.com/owner/repo?tab=readme-ov-file"}, "owner/repo"},
	{"angle brackets", []string{"<https://github.com/owner/repo>"}, "owner/repo"},
	{"markdown", []string{"[code](https://github.com/owner/repo)"}, "owner/repo"},
	{"latex url", []string{`Code: \url{https://github.com/owner/repo}.`}, "owner/repo"},
	{"latex href", []string{`\href{https://github.com/owner/repo}{here}`}, "owner/repo"},
	{"stray brace", []string{"https://github.com/owner/repo}"}, "owner/repo"},
	{"latex underscore", []string{`{\tt github.com/owner/my\_repo}`}, "owner/my_repo"},
	{"latex braced underscore", []string{`github.com/owner/my{\_}repo`}, "owner/my_repo"},
	{"url-encoded", []string{"https://www.google.com/url?q=https%3A%2F%2Fgithub.com%2Fowner%2Frepo&sa=D"}, "owner/repo"},
	{"url-encoded name", []string{"https://github.com/owner/my%5Frepo"}, "owner/my_repo"},
	{"json escaped", []string{`"https:\/\/github.com\/owner\/repo"`}, "owner/repo"},
	{"ssh remote", []string{"git@github.com:owner/repo.git"}, "owner/repo"},
	{"ssh url", []string{"ssh://git@github.com/owner/repo.git"}, "owner/repo"},
	{"pages repository", []string{"https://github.com/owner/owner.github.io"}, "owner/owner.github.io"},
	{"dotted name", []string{"https://github.com/owner/repo.js"}, "owner/repo.js"},
	{"second text", []string{"no link here", "https://github.com/owner/repo"}, "owner/repo"},
	{"first text wins", []string{"github.com/first/one", "github.com/second/two"}, "first/one"},
	{"skips non-repository pages", []string{"see https://github.com/topics/nlp and https://github.com/sponsors/me, code https://github.com/owner/repo"}, "owner/repo"},
	{"skips github.io", []string{"https://owner.github.io/repo/ and https://github.com/owner/repo"}, "owner/repo"},

	{"no texts", nil, ""},
	{"empty", []string{""}, ""},
	{"no link", []string{"We use GitHub for our code."}, ""},
	{"host only", []string{"https://github.com"}, ""},
	{"host and slash", []string{"https://github.com/"}, ""},
	{"profile", []string{"https://github.com/owner"}, ""},
	{"profile slash", []string{"https://github.com/owner/ is my page"}, ""},
	{"profile tab", []string{"https://github.com/owner?tab=repositories"}, ""},
	{"github.io page", []string{"https://owner.github.io/repo/"}, ""},
	{"features", []string{"https://github.com/features/copilot"}, ""},
	{"orgs", []string{"https://github.com/orgs/owner/repositories"}, ""},
	{"sponsors", []string{"https://github.com/sponsors/owner"}, ""},
	{"topics", []string{"https://github.com/topics/deep-learning"}, ""},
	{"settings", []string{"https://github.com/settings/tokens"}, ""},
	{"marketplace", []string{"https://github.com/marketplace/actions/checkout"}, ""},
	{"users", []string{"https://github.com/users/owner/projects/1"}, ""},
	{"gist", []string{"https://gist.github.com/owner/0123456789abcdef"}, ""},
	{"docs", []string{"https://docs.github.com/en/rest"}, ""},
	{"other host", []string{"https://notgithub.com/owner/repo"}, ""},
	{"longer host", []string{"https://github.company.com/owner/repo"}, ""},
	{"email", []string{"write to someone@github.com."}, ""},
	{"space after host", []string{"https://github.com/ owner/repo"}, ""},
	{"leading hyphen owner", []string{"https://github.com/-owner/repo"}, ""},
	{"double hyphen owner", []string{"https://github.com/own--er/repo"}, ""},
	{"underscore owner", []string{"https://github.com/own_er/repo"}, ""},
	{"owner too long", []string{"https://github.com/" + strings.Repeat("a", 40) + "/repo"}, ""},
	{"name too long", []string{"https://github.com/owner/" + strings.Repeat("b", 101)}, ""},
	{"name dotdot", []string{"https://github.com/owner/.."}, ""},
	{"name only .git", []string{"https://github.com/owner/.git"}, ""},
	{"name goes on", []string{"https://github.com/owner/repé"}, ""},
	{"colon without git@", []string{"github.com:owner/repo"}, ""},
}

func TestFindRepo(t *testing.T) {
	for _, tc := range findRepoTests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := FindRepo(tc.texts...)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("FindRepo(%q) = %q, %v; want %q", tc.texts, got, ok, tc.want)
			}
		})
	}
}

func FuzzFindRepo(f *testing.F) {
	for _, tc := range findRepoTests {
		f.Add(strings.Join(tc.texts, " "))
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := FindRepo(s)
		if !ok {
			if got != "" {
				t.Fatalf("FindRepo(%q) = %q, false", s, got)
			}
			return
		}
		owner, name, err := splitName(got)
		if err != nil {
			t.Fatalf("FindRepo(%q) = %q: %v", s, got, err)
		}
		if notOwners[strings.ToLower(owner)] || strings.HasSuffix(strings.ToLower(name), ".git") || strings.HasSuffix(name, ".") {
			t.Fatalf("FindRepo(%q) = %q: not a repository", s, got)
		}
		if indexFold(s, host, 0) < 0 {
			t.Fatalf("FindRepo(%q) = %q without a github.com link", s, got)
		}
	})
}
