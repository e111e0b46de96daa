package github

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FindRepo returns the first GitHub repository, as "owner/name", linked in
// texts (abstracts, arXiv comments), searched in order; false when there is
// none.
//
// It reads github.com and www.github.com links with or without a scheme,
// SSH remotes (git@github.com:owner/name.git), links escaped the ways
// arXiv abstracts and metadata have them (\url{...}, \_ for _, %2F for /,
// JSON's \/), and ignores what follows the name: a .git suffix, paths like
// /tree/main/..., queries, fragments and the punctuation or sentence period
// that ends the link. github.io pages, other github.com hosts (gist., docs.)
// and github.com pages that are not repositories (/features, /orgs/...,
// /sponsors/..., /topics/..., a bare profile) are skipped.
func FindRepo(texts ...string) (string, bool) {
	for _, s := range texts {
		if r, ok := findRepo(s); ok {
			return r, true
		}
	}
	return "", false
}

const host = "github.com"

// maxTail bounds how much of a link is decoded: more than the longest
// owner (39), slash and name with ".git" (104), so a name cut short by it
// is always too long to pass.
const maxTail = 256

func findRepo(s string) (string, bool) {
	for from := 0; ; {
		i := indexFold(s, host, from)
		if i < 0 {
			return "", false
		}
		from = i + 1
		if !hostStart(s, i) {
			continue
		}
		// An SSH remote, git@github.com:owner/name.git, puts a colon
		// after the host instead of a slash.
		scp := i >= 4 && equalFold(s[i-4:i], "git@")
		if r, ok := parseRepoPath(decodeTail(s[i+len(host):]), scp); ok {
			return r, true
		}
	}
}

// hostStart reports whether the "github.com" at s[i:] is the whole host:
// github.com or www.github.com, not gist.github.com, docs.github.com or
// notgithub.com.
func hostStart(s string, i int) bool {
	if i >= 4 && equalFold(s[i-4:i], "www.") {
		i -= 4
	}
	if i == 0 {
		return true
	}
	c := s[i-1]
	// In a URL-encoded link the host follows "%2F"; judge the decoded byte.
	if i >= 3 && s[i-3] == '%' && isHex(s[i-2]) && isHex(s[i-1]) {
		c = unhex(s[i-2])<<4 | unhex(s[i-1])
	}
	return !isAlnum(c) && c != '-' && c != '.' && c != '_'
}

// decodeTail returns the start of s, up to maxTail bytes, with the escapes
// found in links in arXiv metadata undone: %XX, LaTeX's \_ and {\_}, and
// JSON's \/. Undoing them all, anywhere, is a simplification (a literal
// %2F in a path would become a separator), but the characters of GitHub
// names never need escaping, so no real repository link changes meaning.
func decodeTail(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < maxTail; {
		switch {
		case s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 3
		case s[i] == '\\' && i+1 < len(s) && (s[i+1] == '_' || s[i+1] == '/'):
			b.WriteByte(s[i+1])
			i += 2
		case strings.HasPrefix(s[i:], `{\_}`):
			b.WriteByte('_')
			i += 4
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

// parseRepoPath reads "/owner/name" (or ":owner/name" when scp) at the
// start of t, the decoded text after the host, and returns "owner/name"
// if it is a repository.
func parseRepoPath(t string, scp bool) (string, bool) {
	if t == "" || !(t[0] == '/' || scp && t[0] == ':') {
		return "", false
	}
	t = t[1:]
	n := 0
	for n < len(t) && (isAlnum(t[n]) || t[n] == '-') {
		n++
	}
	owner := t[:n]
	if n >= len(t) || t[n] != '/' {
		return "", false // a profile, or not a path at all
	}
	t = t[n+1:]
	n = 0
	for n < len(t) && isRepoByte(t[n]) {
		n++
	}
	name := t[:n]
	// A letter or digit outside the name syntax means the name goes on
	// ("repé"): better no repository than a wrong, truncated one.
	if r, _ := utf8.DecodeRuneInString(t[n:]); n < len(t) && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
		return "", false
	}
	// Dots end sentences ("at github.com/a/b.") and ".git" ends clone URLs;
	// neither is part of the name (GitHub takes a name ending in ".git" as
	// the clone URL of the name without it).
	for {
		name = strings.TrimRight(name, ".")
		if len(name) < 4 || !equalFold(name[len(name)-4:], ".git") {
			break
		}
		name = name[:len(name)-4]
	}
	if !validOwner(owner) || !validRepoName(name) || notOwners[strings.ToLower(owner)] {
		return "", false
	}
	return owner + "/" + name, true
}

// notOwners are first path segments of GitHub's own pages on github.com
// (features, organisation and sponsor pages, topics, settings...): links
// to them have the shape of a repository link but are none.
var notOwners = map[string]bool{
	"about": true, "account": true, "advisories": true, "apps": true,
	"blog": true, "codespaces": true, "collections": true, "contact": true,
	"copilot": true, "customer-stories": true, "dashboard": true,
	"discussions": true, "enterprise": true, "enterprises": true,
	"events": true, "explore": true, "features": true, "home": true,
	"issues": true, "join": true, "login": true, "logout": true,
	"marketplace": true, "new": true, "notifications": true,
	"organizations": true, "orgs": true, "pricing": true, "pulls": true,
	"readme": true, "search": true, "security": true, "sessions": true,
	"settings": true, "signup": true, "site": true, "sponsors": true,
	"stars": true, "team": true, "topics": true, "trending": true,
	"users": true, "watching": true,
}

// indexFold is strings.Index from from, ASCII case-insensitively. (Folding
// the whole text with strings.ToLower could change byte offsets, and
// strings.EqualFold would match Unicode look-alikes.)
func indexFold(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if equalFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// equalFold reports whether a and b are equal ignoring ASCII case.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

func unhex(b byte) byte {
	switch {
	case b <= '9':
		return b - '0'
	case b <= 'F':
		return b - 'A' + 10
	default:
		return b - 'a' + 10
	}
}
