//go:build !unix

package search

import "os"

// canLock: no file locks here; stale temporary files are told by age.
const canLock = false

func lockFile(*os.File) error { return nil }

func tryLock(*os.File) (bool, error) { return false, nil }
