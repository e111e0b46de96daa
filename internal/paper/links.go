package paper

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// The links a paper carries (its GitHub repository and its project page)
// come in from the submit form, the API, the importers and the
// harvesters; every one of them goes through GitHubRepoURL and WebPageURL,
// so that what one way in refuses no other lets through.

var (
	githubOwner = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	githubName  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// Errors of GitHubRepoURL and WebPageURL, worded for the people who typed
// the link.
var (
	ErrGitHubRepo = errors.New("The GitHub repository should look like https://github.com/owner/repo or owner/repo.")
	ErrWebPage    = errors.New("The project page should be a web address starting with https:// or http://, without a user name or password.")
)

// GitHubRepoURL accepts owner/repo or a github.com link to a repository
// (with or without scheme, www., .git or a path within the repository)
// and returns it as https://github.com/owner/repo; "" stays "". Anything
// else, such as a link to another site, is ErrGitHubRepo: the paper's
// GitHub button, its stars and its code search all read the value as a
// repository on GitHub.
func GitHubRepoURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	rest := s
	for _, p := range []string{"https://", "http://"} {
		if len(rest) >= len(p) && strings.EqualFold(rest[:len(p)], p) {
			rest = rest[len(p):]
		}
	}
	if len(rest) >= 4 && strings.EqualFold(rest[:4], "www.") {
		rest = rest[4:]
	}
	if len(rest) >= 11 && strings.EqualFold(rest[:11], "github.com/") {
		rest = rest[11:]
	} else if strings.Contains(s, "://") || strings.Count(rest, "/") != 1 {
		return "", ErrGitHubRepo
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) < 2 {
		return "", ErrGitHubRepo
	}
	owner, name := parts[0], strings.TrimSuffix(parts[1], ".git")
	if !githubOwner.MatchString(owner) || !githubName.MatchString(name) || name == "." || name == ".." {
		return "", ErrGitHubRepo
	}
	return "https://github.com/" + owner + "/" + name, nil
}

// WebPageURL accepts an absolute http or https address of up to 2,000
// bytes (in its normal form too), without user information (https://user:pw@host/ shows a host
// that is not the one visited) and without characters that a browser
// would have percent-encoded (spaces, quotes, angle brackets, controls),
// and returns it in its normal form; "" stays "". Anything else is
// ErrWebPage.
func WebPageURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > 2000 || strings.ContainsAny(s, " \"<>\\^`{|}") || strings.ContainsFunc(s, unicode.IsControl) {
		return "", ErrWebPage
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return "", ErrWebPage
	}
	// The normal form percent-encodes what was not ASCII: still within
	// the bound, so that what is accepted once is accepted again.
	if out := u.String(); len(out) <= 2000 {
		return out, nil
	}
	return "", ErrWebPage
}
