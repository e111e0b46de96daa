//go:build unix

package search

import (
	"errors"
	"os"
	"syscall"
)

// canLock: files can be locked here, so a live writer's file is told from
// a dead one's by its lock.
const canLock = true

// lockFile takes an exclusive lock on f, held until f is closed or its
// process ends (however it ends).
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// tryLock takes an exclusive lock on f if no one holds one, and reports
// whether it did.
func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
