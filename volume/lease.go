package volume

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// A Lease is a VM's hold on a disk: an exclusive flock on the image file,
// dropped by Release or by the holder's death.
type Lease struct{ f *os.File }

// ErrInUse is wrapped by the error for a disk another VM holds.
var ErrInUse = errors.New("in use")

// Lock takes the lease on the disk at path, or fails at once if a VM (or a
// `volume rm`) holds it.
func Lock(path string) (*Lease, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("disk %s: %w", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("disk %s is %w by another instance: stop it first (unigo ps shows which)", path, ErrInUse)
		}
		return nil, fmt.Errorf("cannot lock disk %s: %w", path, err)
	}
	return &Lease{f}, nil
}

// Release gives the disk up.
func (l *Lease) Release() error { return l.f.Close() }

// inUse reports whether someone holds the lease on path.
func inUse(path string) bool {
	l, err := Lock(path)
	if err != nil {
		return errors.Is(err, ErrInUse)
	}
	l.Release()
	return false
}
