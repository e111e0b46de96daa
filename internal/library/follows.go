package library

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/dailypapers/dailypapers/internal/store"
)

// MaxFollows is how many things one account may follow: authors,
// categories, people and collections together. The Following page reads
// one short index range for each, so the bound is a bound on its cost.
const MaxFollows = 500

// ErrFollowSelf is following one's own account.
var ErrFollowSelf = errors.New("you cannot follow yourself")

// category is an arXiv category or archive: "cs", "cs.CL", "hep-th",
// "math-ph", "q-bio.NC", "physics.acc-ph".
var category = regexp.MustCompile(`^[a-z][a-z-]{0,15}(\.[A-Za-z][A-Za-z-]{0,15})?$`)

// FollowTarget checks what a follow names and returns it as the store
// keeps it: an author key for an author (any spelling of the name), a
// category or archive as arXiv spells it, an account id. An error says
// what is wrong, for the reader. Whether an account or a collection
// exists, and may be followed by this reader, is for the caller (see
// CheckCollectionFollow).
func FollowTarget(kind store.FollowKind, target string) (string, error) {
	target = strings.TrimSpace(target)
	switch kind {
	case store.FollowAuthor:
		k := AuthorKey(target)
		if k == "" {
			return "", errors.New("an author to follow needs a name")
		}
		return k, nil
	case store.FollowCategory:
		if !category.MatchString(target) {
			return "", errors.New("that is not an arXiv category or archive (such as cs.CL, or cs for all of computer science)")
		}
		return target, nil
	case store.FollowUser, store.FollowCollection:
		id, err := strconv.ParseInt(target, 10, 64)
		if err != nil || id <= 0 {
			return "", errors.New("that is not a " + string(kind) + " here")
		}
		return strconv.FormatInt(id, 10), nil
	}
	return "", errors.New("one can follow an author, a category, a person or a collection")
}

// CheckCollectionFollow is where following a collection is checked once
// collections are here: the collection must exist and be public (a
// private one is "not found", as its page is). Until then no collection
// can be followed.
func CheckCollectionFollow(exists, public bool) error {
	if !exists || !public {
		return errors.New("there is no such collection")
	}
	return nil
}
