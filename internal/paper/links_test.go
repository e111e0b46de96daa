package paper

import (
	"net/url"
	"strings"
	"testing"
)

func TestGitHubRepoURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"  ", ""},
		{"owner/repo", "https://github.com/owner/repo"},
		{"https://github.com/owner/repo", "https://github.com/owner/repo"},
		{"HTTP://WWW.GitHub.com/Owner/Repo.git", "https://github.com/Owner/Repo"},
		{"github.com/owner/repo/tree/main/src", "https://github.com/owner/repo"},
		{"https://github.com/owner/re.po_-1", "https://github.com/owner/re.po_-1"},
		// Not a repository on GitHub.
		{"https://gitlab.com/owner/repo", "!"},
		{"https://evil.example/github.com/owner/repo", "!"},
		{"https://github.com.evil.example/owner/repo", "!"},
		{"https://user:pw@github.com/owner/repo", "!"},
		{`https://github.com/owner/repo">`, "!"},
		{"https://github.com/owner/repo<script>", "!"},
		{"javascript:alert(1)//github.com/a/b", "!"},
		{"https://github.com/owner", "!"},
		{"https://github.com/-owner/repo", "!"},
		{"https://github.com/owner/..", "!"},
		{"owner/repo/extra", "!"},
		{"ftp://github.com/owner/repo", "!"},
	} {
		got, err := GitHubRepoURL(tc.in)
		if tc.want == "!" {
			if err != ErrGitHubRepo {
				t.Errorf("GitHubRepoURL(%q) = %q, %v; want ErrGitHubRepo", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("GitHubRepoURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestWebPageURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{" https://example.org/project ", "https://example.org/project"},
		{"http://example.org", "http://example.org"},
		{"https://example.org/a?b=c&d=e#f", "https://example.org/a?b=c&d=e#f"},
		{"https://example.org/caf%C3%A9", "https://example.org/caf%C3%A9"},
		// Refused.
		{"https://user:pw@example.org/", "!"},
		{"https://user@example.org/", "!"},
		{`https://example.org/">`, "!"},
		{`https://example.org/?q="><script>`, "!"},
		{"https://example.org/a b", "!"},
		{"https://example.org/\x00", "!"},
		{"javascript:alert(1)", "!"},
		{"data:text/html,hi", "!"},
		{"//example.org/", "!"},
		{"example.org", "!"},
		{"https:example.org", "!"},
		{"https://", "!"},
		{"https://example.org/" + strings.Repeat("a", 2000), "!"},
		{"https://example.org/" + strings.Repeat("\xc7", 700), "!"}, // 2,100 bytes once encoded
	} {
		got, err := WebPageURL(tc.in)
		if tc.want == "!" {
			if err != ErrWebPage {
				t.Errorf("WebPageURL(%q) = %q, %v; want ErrWebPage", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("WebPageURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// FuzzLinks: what the link rules accept is an http(s) address without
// user information or characters that break out of an attribute or a
// Markdown autolink, and accepting it again gives it back unchanged.
func FuzzLinks(f *testing.F) {
	for _, s := range []string{"owner/repo", "https://github.com/a/b.git", "https://user:pw@host/", `https://github.com/a/b">`,
		"https://example.org/?q=1#x", "http://[::1]:80/", "https://example.org/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, rule := range map[string]func(string) (string, error){"GitHubRepoURL": GitHubRepoURL, "WebPageURL": WebPageURL} {
			got, err := rule(s)
			if err != nil || got == "" {
				continue
			}
			if strings.ContainsAny(got, " \"<>\\`") {
				t.Fatalf("%s(%q) = %q: holds a character that breaks out of a link", name, s, got)
			}
			u, perr := url.Parse(got)
			if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
				t.Fatalf("%s(%q) = %q: not an http(s) address without user information", name, s, got)
			}
			if again, err := rule(got); err != nil || again != got {
				t.Fatalf("%s(%q) = %q, then %q, %v", name, s, got, again, err)
			}
		}
	})
}
