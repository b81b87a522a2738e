package lockfile

import (
	"path/filepath"
	"testing"
)

func TestLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	l, err := Acquire(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := TryAcquire(p); ok || err != nil {
		t.Fatalf("TryAcquire of a held lock: ok %v, err %v", ok, err)
	}
	l.Unlock()
	l2, ok, err := TryAcquire(p)
	if !ok || err != nil {
		t.Fatalf("TryAcquire of a free lock: ok %v, err %v", ok, err)
	}
	l2.Unlock()
}
