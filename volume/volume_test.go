package volume

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestCreateListRemove(t *testing.T) {
	s := Open(t.TempDir())
	v, err := s.Create("data", 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	if v.Size != 8<<20 || v.Format != "ext2" || v.InUse {
		t.Fatalf("created %+v", v)
	}
	fsck(t, v.Path)
	if _, err := s.Create("data", 8<<20); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate create: %v", err)
	}
	if _, err := s.Create("-bad", 8<<20); err == nil {
		t.Fatal("bad name accepted")
	}
	if _, err := s.Create("tiny", 1000); err == nil {
		t.Fatal("tiny size accepted")
	}
	list, err := s.List()
	if err != nil || len(list) != 1 || list[0].Name != "data" {
		t.Fatalf("list %+v %v", list, err)
	}

	lease, err := Lock(v.Path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get("data"); !v.InUse {
		t.Fatal("held volume not reported in use")
	}
	if _, err := Lock(v.Path); !errors.Is(err, ErrInUse) {
		t.Fatalf("second lock: %v", err)
	}
	if err := s.Remove("data"); !errors.Is(err, ErrInUse) {
		t.Fatalf("remove in use: %v", err)
	}
	lease.Release()
	if err := s.Remove("data"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("data"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after rm: %v", err)
	}
}

func TestParseMount(t *testing.T) {
	s := Open(t.TempDir())
	if _, err := s.Create("vol", 4<<20); err != nil {
		t.Fatal(err)
	}
	m, err := s.ParseMount("vol:/data/x/:ro")
	if err != nil || m.Target != "/data/x" || !m.ReadOnly || m.Disk != s.DiskPath("vol") {
		t.Fatalf("%+v %v", m, err)
	}
	// A directory is shared (Docker's rule: a path has a '/' or starts
	// with '.'); a file is a disk.
	dir := t.TempDir()
	m, err = s.ParseMount(dir + ":/data")
	if err != nil || m.Dir != dir || m.Disk != "" || m.Target != "/data" {
		t.Fatalf("a directory: %+v %v", m, err)
	}
	if !IsPath(".") || !IsPath("./x") || !IsPath("a/b") || !IsPath("d.img") || IsPath("vol") {
		t.Fatal("IsPath")
	}
	for _, bad := range []string{"vol", "vol:data", "vol:/", "vol:/tmp/x", "vol:/data:rx", "nosuch:/data", "./missing.img:/data", "./missing:/data"} {
		if _, err := s.ParseMount(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Attach shares directories and leases one disk; a second disk is refused.
func TestAttachSharesAndDisk(t *testing.T) {
	s := Open(t.TempDir())
	for _, n := range []string{"a", "b"} {
		if _, err := s.Create(n, 4<<20); err != nil {
			t.Fatal(err)
		}
	}
	dir1, dir2 := t.TempDir(), t.TempDir()
	mounts := []Mount{{Source: "a", Disk: s.DiskPath("a"), Target: "/vol"},
		{Source: dir1, Dir: dir1, Target: "/d1"}, {Source: dir2, Dir: dir2, Target: "/d2", ReadOnly: true}}
	disks, shares, release, err := Attach(mounts)
	if err != nil {
		t.Fatal(err)
	}
	release()
	if len(disks) != 1 || len(shares) != 2 || shares[1].Path != dir2 || !shares[1].ReadOnly || shares[0].MountAt != "/d1" {
		t.Fatalf("disks %+v shares %+v", disks, shares)
	}
	_, _, _, err = Attach(append(mounts, Mount{Source: "b", Disk: s.DiskPath("b"), Target: "/vol2"}))
	if err == nil || !strings.Contains(err.Error(), "one ext2 volume") {
		t.Fatalf("two disks: %v", err)
	}
	_, _, _, err = Attach([]Mount{mounts[1], {Source: dir2, Dir: dir2, Target: "/d1"}})
	if err == nil || !strings.Contains(err.Error(), "both mounted at /d1") {
		t.Fatalf("one target twice: %v", err)
	}
}

// A disk left "not clean" (a killed VM) is repaired by Check.
func TestCheckRepairsUncleanDisk(t *testing.T) {
	disk := t.TempDir() + "/d.img"
	if err := MakeFileSystem(disk, 4<<20, "t"); err != nil {
		t.Fatal(err)
	}
	setState(t, disk, 0)
	if err := Check(disk); err != nil {
		t.Fatal(err)
	}
	if st := state(t, disk); st&stateCleanFS == 0 {
		t.Fatalf("state %d after Check", st)
	}
	os.WriteFile(disk, make([]byte, 4096), 0o644)
	if err := Check(disk); err == nil || !strings.Contains(err.Error(), "no ext2") {
		t.Fatalf("zero disk: %v", err)
	}
}

func fsck(t *testing.T, disk string) {
	t.Helper()
	e2fsck, err := tool("e2fsck")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(e2fsck, "-fn", disk).CombinedOutput(); err != nil {
		t.Fatalf("e2fsck: %v\n%s", err, out)
	}
}

func state(t *testing.T, disk string) uint16 {
	b, err := os.ReadFile(disk)
	if err != nil {
		t.Fatal(err)
	}
	return binary.LittleEndian.Uint16(b[superOffset+stateOffset:])
}

func setState(t *testing.T, disk string, st uint16) {
	f, err := os.OpenFile(disk, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [2]byte
	binary.LittleEndian.PutUint16(b[:], st)
	if _, err := f.WriteAt(b[:], superOffset+stateOffset); err != nil {
		t.Fatal(err)
	}
}
