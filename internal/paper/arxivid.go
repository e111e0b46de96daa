// Package paper holds the domain types of Daily Papers: papers, their
// authors and versions, and arXiv identifiers. Everything here is pure.
package paper

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadID is returned (wrapped) for anything that is not an arXiv identifier.
var ErrBadID = errors.New("not an arXiv identifier")

// ID is a canonical arXiv identifier without a version: "2509.02547",
// "0704.0001" or, for papers before April 2007, "math/0601001".
type ID string

// ParseID accepts the spellings people paste and returns the canonical id
// and the version (0 when none was given). Accepted:
//
//	2509.02547  2509.02547v2  arXiv:2509.02547v2  0704.0001
//	math/0601001  math.GT/0309136v3  hep-th/9901001
//	https://arxiv.org/abs/2509.02547  https://arxiv.org/pdf/2509.02547v1(.pdf)
//
// Old-style ids keep only the archive ("math.GT/0309136" is "math/0309136"),
// because arXiv resolves them the same way.
func ParseID(s string) (ID, int, error) {
	raw := s
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		return "", 0, fmt.Errorf("%w: too long", ErrBadID)
	}
	s = stripURL(s)
	if len(s) >= 6 && strings.EqualFold(s[:6], "arxiv:") {
		s = s[6:]
	}
	s = strings.TrimSuffix(s, ".pdf")
	s = strings.TrimSuffix(s, "/")

	id, rest, ok := splitVersion(s)
	if !ok {
		return "", 0, fmt.Errorf("%w: %q has a bad version suffix", ErrBadID, raw)
	}
	version := rest
	if strings.Contains(id, "/") {
		canon, err := parseOldStyle(id)
		if err != nil {
			return "", 0, fmt.Errorf("%w: %q: %v", ErrBadID, raw, err)
		}
		return canon, version, nil
	}
	if err := checkNewStyle(id); err != nil {
		return "", 0, fmt.Errorf("%w: %q: %v", ErrBadID, raw, err)
	}
	return ID(id), version, nil
}

// MustParseID is ParseID for identifiers known to be good (tests, constants).
func MustParseID(s string) ID {
	id, _, err := ParseID(s)
	if err != nil {
		panic(err)
	}
	return id
}

// stripURL removes an arxiv.org URL prefix such as "https://arxiv.org/abs/".
func stripURL(s string) string {
	lower := strings.ToLower(s)
	for _, scheme := range []string{"https://", "http://", ""} {
		for _, host := range []string{"arxiv.org/", "www.arxiv.org/", "export.arxiv.org/"} {
			prefix := scheme + host
			if !strings.HasPrefix(lower, prefix) {
				continue
			}
			s = s[len(prefix):]
			for _, kind := range []string{"abs/", "pdf/", "html/"} {
				if strings.HasPrefix(strings.ToLower(s), kind) {
					return s[len(kind):]
				}
			}
			return s
		}
	}
	return s
}

// splitVersion splits "2509.02547v2" into "2509.02547" and 2.
func splitVersion(s string) (string, int, bool) {
	i := strings.LastIndexAny(s, "vV")
	if i < 0 || strings.Contains(s[i:], "/") {
		return s, 0, true
	}
	digits := s[i+1:]
	if digits == "" || len(digits) > 4 || !allDigits(digits) {
		return "", 0, false
	}
	v, _ := strconv.Atoi(digits)
	if v < 1 {
		return "", 0, false
	}
	return s[:i], v, true
}

// checkNewStyle validates YYMM.NNNN (2007-04 to 2014-12) and YYMM.NNNNN (2015 on).
func checkNewStyle(s string) error {
	dot := strings.IndexByte(s, '.')
	if dot != 4 || !allDigits(s[:4]) || !allDigits(s[5:]) {
		return errors.New("want YYMM.NNNNN")
	}
	yy, _ := strconv.Atoi(s[:2])
	mm, _ := strconv.Atoi(s[2:4])
	if mm < 1 || mm > 12 {
		return errors.New("month out of range")
	}
	n := len(s) - 5
	switch {
	case yy < 7 || (yy == 7 && mm < 4):
		return errors.New("new-style ids start in April 2007")
	case yy < 15 && n != 4:
		return errors.New("ids before 2015 have four digits after the dot")
	case yy >= 15 && n != 5:
		return errors.New("ids from 2015 have five digits after the dot")
	}
	return nil
}

// parseOldStyle validates archive[.SC]/YYMMNNN and drops the subject class.
func parseOldStyle(s string) (ID, error) {
	slash := strings.IndexByte(s, '/')
	archive, num := strings.ToLower(s[:slash]), s[slash+1:]
	if dot := strings.IndexByte(archive, '.'); dot >= 0 {
		class := archive[dot+1:]
		if len(class) != 2 || !isLetters(class) {
			return "", errors.New("bad subject class")
		}
		archive = archive[:dot]
	}
	if archive == "" || len(archive) > 16 || !isArchiveName(archive) {
		return "", errors.New("bad archive name")
	}
	if len(num) != 7 || !allDigits(num) {
		return "", errors.New("want archive/YYMMNNN")
	}
	yy, _ := strconv.Atoi(num[:2])
	mm, _ := strconv.Atoi(num[2:4])
	if mm < 1 || mm > 12 {
		return "", errors.New("month out of range")
	}
	// Old-style ids ran from 1991-08 to 2007-03.
	if (yy > 7 && yy < 91) || (yy == 7 && mm > 3) || (yy == 91 && mm < 8) {
		return "", errors.New("old-style ids ran from 1991 to March 2007")
	}
	return ID(archive + "/" + num), nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isArchiveName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && c != '-' {
			return false
		}
	}
	return s[0] != '-' && s[len(s)-1] != '-'
}

// AbsURL is the paper's arXiv abstract page.
func (id ID) AbsURL() string { return "https://arxiv.org/abs/" + string(id) }

// PDFURL is the paper's PDF on arXiv (latest version).
func (id ID) PDFURL() string { return "https://arxiv.org/pdf/" + string(id) }

// Path is the paper's page on this site.
func (id ID) Path() string { return "/papers/" + string(id) }
