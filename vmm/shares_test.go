package vmm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShareTokens(t *testing.T) {
	shares := []Share{{Path: "/h/a", MountAt: "/data"}, {Path: "/h/b", MountAt: "/my logs:x", ReadOnly: true}}
	got := strings.Join(shareTokens(shares), " ")
	if want := "share=share0:/data share=share1:/my%20logs%3Ax:ro"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	s := Spec{Disks: []Disk{{Path: "d", MountAt: "/vol"}}, Shares: shares}
	if c := s.KernelCmdline(); !strings.Contains(c, "mount=0:/vol share=share0:/data") {
		t.Fatalf("command line %q", c)
	}
}

func TestCheckRejectsBadShares(t *testing.T) {
	img := floorImage(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	many := make([]Share, MaxShares+1)
	for i := range many {
		many[i] = Share{Path: dir, MountAt: "/m" + string(rune('a'+i))}
	}
	for _, tt := range []struct {
		shares []Share
		disks  []Disk
		want   string
	}{
		{[]Share{{Path: filepath.Join(dir, "missing"), MountAt: "/data"}}, nil, "no such file or directory"},
		{[]Share{{Path: file, MountAt: "/data"}}, nil, "not a directory"},
		{[]Share{{Path: "rel", MountAt: "/data"}}, nil, "absolute host path"},
		{[]Share{{Path: dir, MountAt: "/"}}, nil, "must be absolute and not /"},
		{[]Share{{Path: dir, MountAt: "/data"}}, []Disk{{Path: img, MountAt: "/data"}}, "two mounts at /data"},
		{many, nil, "at most 8"},
	} {
		err := Spec{Image: img, Shares: tt.shares, Disks: tt.disks}.Check()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want %q", tt.shares, err, tt.want)
		}
	}
}
