package vmm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"unigo.dev/unigo/vmm/floorguest"
)

func TestCheckRejectsBadDisks(t *testing.T) {
	img := floorImage(t)
	dir := t.TempDir()
	many := make([]Disk, MaxDisks+1)
	for i := range many {
		many[i] = Disk{Path: img}
	}
	for _, tt := range []struct {
		disks []Disk
		want  string
	}{
		{[]Disk{{Path: filepath.Join(dir, "missing.img")}}, "no such file or directory"},
		{[]Disk{{Path: dir}}, "not a regular file"},
		{many, "the guest drives at most 8"},
	} {
		err := Spec{Image: img, Disks: tt.disks}.Check()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%d disks: err = %v, want %q", len(tt.disks), err, tt.want)
		}
	}
}

func TestMountTokens(t *testing.T) {
	disks := []Disk{{Path: "a"}, {Path: "b", MountAt: "/data"}, {Path: "c", MountAt: "/my logs:x", ReadOnly: true}}
	got := strings.Join(mountTokens(disks), " ")
	if want := "mount=1:/data mount=2:/my%20logs%3Ax:ro"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// floorImage writes the floor guest (a minimal valid unigo image).
func floorImage(t *testing.T) string {
	t.Helper()
	img, err := floorguest.Image()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "floor.img")
	if err := os.WriteFile(p, img, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
