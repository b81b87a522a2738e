package vmm

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"unigo.dev/unigo/image"
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

// An image that keeps its root file system in its file gets the file as
// its last disk, read-only, and that disk counts among those the guest
// drives; an image with a loaded root gets none.
func TestRootDisk(t *testing.T) {
	root := make([]byte, image.RootDiskMin)
	copy(root, "070701")
	img, err := floorguest.ImageWithRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rooted.img")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	vol := Disk{Path: floorImage(t), MountAt: "/data"}
	all, err := Spec{Image: path, Disks: []Disk{vol}}.AllDisks()
	if want := []Disk{vol, {Path: path, ReadOnly: true}}; err != nil || !slices.Equal(all, want) {
		t.Errorf("AllDisks = %v, %v; want %v", all, err, want)
	}
	if all, err := (Spec{Image: floorImage(t), Disks: []Disk{vol}}).AllDisks(); err != nil || len(all) != 1 {
		t.Errorf("AllDisks of an image with its root loaded = %v, %v; want the volume only", all, err)
	}
	many := make([]Disk, MaxDisks)
	for i := range many {
		many[i] = Disk{Path: vol.Path}
	}
	if err := (Spec{Image: path, Disks: many}).Check(); err == nil || !strings.Contains(err.Error(), "this image's root file system takes one") {
		t.Errorf("%d disks beside a root on the disk: err = %v", len(many), err)
	}
}
