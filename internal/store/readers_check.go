package store

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CheckSignal is AddSignal's check of a signal, the same in every
// backend: a kind AddSignal keeps, and a paper or a sensible subject.
func CheckSignal(s Signal) error {
	if !s.Kind.Kept() {
		return fmt.Errorf("%w: signal kind %q is not kept here", ErrInvalid, s.Kind)
	}
	if s.Kind.OnPaper() {
		if s.Paper == "" {
			return fmt.Errorf("%w: a %s signal needs a paper", ErrInvalid, s.Kind)
		}
		return nil
	}
	if strings.TrimSpace(s.Subject) == "" || len(s.Subject) > MaxSubjectLen || !utf8.ValidString(s.Subject) ||
		strings.ContainsRune(s.Subject, 0) {
		return fmt.Errorf("%w: a %s signal needs a name of 1 to %d bytes", ErrInvalid, s.Kind, MaxSubjectLen)
	}
	return nil
}
