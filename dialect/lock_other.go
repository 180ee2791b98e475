//go:build !unix

package dialect

import (
	"errors"
	"os"
)

// tryLockFile, where flock(2) does not exist, takes the lock by creating a
// marker file beside f exclusively. Unlike flock it survives a crash: the
// error then names the file to remove.
func tryLockFile(f *os.File) error {
	m, err := os.OpenFile(f.Name()+".held", os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, os.ErrExist) {
		return errLockHeld
	}
	if err != nil {
		return err
	}
	return m.Close()
}

func unlockFile(f *os.File) error { return os.Remove(f.Name() + ".held") }
