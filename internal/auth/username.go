package auth

import (
	"errors"
	"regexp"
)

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{2,40}$`)

// CheckUsername says, in words a form can show, what is wrong with a new
// username; nil when it is acceptable. Names are 2 to 40 ASCII letters,
// digits, - or _: they appear in URLs (/users/NAME) and cannot be made to
// look like another person's name with look-alike letters.
func CheckUsername(name string) error {
	if !usernamePattern.MatchString(name) {
		return errors.New("a username is 2 to 40 letters, digits, - or _")
	}
	return nil
}
