package web

import (
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// maxFormBytes bounds the body of any form or API request: the longest
// thing anyone sends is a comment (markdown.MaxBytes).
const maxFormBytes = 64 << 10

// readForms parses the body of every state-changing request up front, so
// that an oversized or unreadable body is refused with a clear message
// instead of reaching a handler as empty fields.
func (s *Server) readForms(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			next.ServeHTTP(w, r) // the API reads its own JSON
			return
		}
		if err := r.ParseForm(); err != nil {
			var tooBig *http.MaxBytesError
			he := &httpError{status: http.StatusBadRequest, msg: "The form could not be read.", err: err}
			if errors.As(err, &tooBig) {
				he = &httpError{status: http.StatusRequestEntityTooLarge, msg: "That is more text than this site accepts in one form (64 KiB).", err: err}
			}
			s.handle(func(http.ResponseWriter, *http.Request) error { return he }).ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkText refuses text that is not valid UTF-8 or holds control
// characters other than line breaks and tabs.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("The text is not valid UTF-8.")
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return errors.New("The text holds control characters.")
		}
	}
	return nil
}

// normalizeGitHub is paper.GitHubRepoURL, the one rule for every way a
// repository link comes in.
func normalizeGitHub(s string) (string, error) { return paper.GitHubRepoURL(s) }

// normalizeWebPage is paper.WebPageURL, the one rule for every way a
// project page comes in.
func normalizeWebPage(s string) (string, error) { return paper.WebPageURL(s) }
