// Package lockfile serializes processes with advisory locks (flock(2)) on a
// file. The kernel drops a lock when its holder dies, so a killed process
// never leaves a lock behind.
package lockfile

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// A Lock is a held lock; Unlock releases it.
type Lock struct{ f *os.File }

// Acquire waits for the exclusive lock on path, creating the file if needed.
func Acquire(path string) (*Lock, error) {
	l, ok, err := lock(path, 0)
	if err == nil && !ok {
		err = fmt.Errorf("cannot lock %s", path)
	}
	return l, err
}

// TryAcquire takes the exclusive lock on path if no one holds it; ok is false
// when someone does.
func TryAcquire(path string) (l *Lock, ok bool, err error) {
	return lock(path, syscall.LOCK_NB)
}

func lock(path string, flags int) (*Lock, bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|flags)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return nil, false, nil
	}
	if err != nil {
		f.Close()
		return nil, false, fmt.Errorf("cannot lock %s: %w", path, err)
	}
	return &Lock{f}, true, nil
}

// Unlock releases the lock.
func (l *Lock) Unlock() error { return l.f.Close() }
