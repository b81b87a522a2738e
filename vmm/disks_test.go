package vmm

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDiskArgs(t *testing.T) {
	disks := []Disk{{Path: "/data/a.img"}, {Path: "/data/b,c.img", ReadOnly: true}}
	for _, tt := range []struct {
		machine string
		want    []string
	}{
		{MachineMicroVM, []string{
			"-global", "virtio-mmio.force-legacy=false",
			"-drive", "file=/data/a.img,if=none,id=disk0,format=raw,cache=writeback",
			"-device", "virtio-blk-device,drive=disk0",
			"-drive", "file=/data/b,,c.img,if=none,id=disk1,format=raw,cache=writeback,readonly=on",
			"-device", "virtio-blk-device,drive=disk1",
		}},
		{MachinePC, []string{
			"-drive", "file=/data/a.img,if=none,id=disk0,format=raw,cache=writeback",
			"-device", "virtio-blk-pci,drive=disk0",
			"-drive", "file=/data/b,,c.img,if=none,id=disk1,format=raw,cache=writeback,readonly=on",
			"-device", "virtio-blk-pci,drive=disk1",
		}},
	} {
		args := (&QEMU{}).Args(Spec{Image: "app.img", Machine: tt.machine, Disks: disks}, Accel{Name: "tcg", CPU: "max"})
		i := slices.Index(args, "-append")
		if i < 0 || !slices.Equal(args[i+2:], tt.want) {
			t.Errorf("%s: the arguments after the command line are\n%q\nwant\n%q", tt.machine, args[i+2:], tt.want)
		}
	}
	// No disks, no disk arguments (nor the virtio-mmio global).
	args := (&QEMU{}).Args(Spec{Image: "app.img"}, Accel{Name: "tcg", CPU: "max"})
	if s := strings.Join(args, " "); strings.Contains(s, "-drive") || strings.Contains(s, "virtio") {
		t.Errorf("disk arguments without disks: %s", s)
	}
}

func TestStartRejectsBadDisks(t *testing.T) {
	img := floorImage(t, nil)
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
		_, err := (&QEMU{}).Start(context.Background(), Spec{Image: img, Disks: tt.disks})
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
