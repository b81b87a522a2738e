package e2e

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fsckClean checks a volume's disk with e2fsck, read-only and forced.
func fsckClean(t *testing.T, disk string) {
	t.Helper()
	if out, err := exec.Command(e2fsprogs(t, "e2fsck"), "-fn", disk).CombinedOutput(); err != nil {
		t.Fatalf("e2fsck -fn %s: %v\n%s", disk, err, out)
	}
}

// debugfsCat reads a file of an ext2 disk on the host.
func debugfsCat(t *testing.T, disk, path string) string {
	t.Helper()
	out, err := exec.Command(e2fsprogs(t, "debugfs"), "-R", "cat "+path, disk).Output()
	if err != nil {
		t.Fatalf("debugfs cat %s: %v", path, err)
	}
	return string(out)
}

func e2fsprogs(t *testing.T, tool string) string {
	for _, p := range []string{"/usr/sbin/" + tool, "/sbin/" + tool} {
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	t.Fatalf("%s not found: install e2fsprogs (apt-get install e2fsprogs; .ci/setup does)", tool)
	return ""
}

// A volume keeps files across runs and machines; the host's tools read it
// and find it clean; the CLI manages it.
func TestVolumeLifecycle(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	in(t, root, "volume", "create", "data", "--size", "64M").expect(t, 0, "data\n")
	in(t, root, "volume", "create", "data").expect(t, 125, "stderr:already exists")
	in(t, root, "volume", "ls").expect(t, 0, "data", "64.0 MiB", "ext2")
	disk := filepath.Join(root, "volumes", "data", "disk.img")

	in(t, root, "run", "-v", "data:/data", "volapp", "write").expect(t, 0, "wrote")
	in(t, root, "run", "--machine", "pc", "-v", "data:/data", "volapp", "read").expect(t, 0,
		`greeting="hello from the unikernel\n" big-intact=true tree=[/data /data/dir /data/dir/sub /data/dir/sub/big.bin /data/greeting.txt /data/link /data/lost+found]`)
	fsckClean(t, disk)
	if got := debugfsCat(t, disk, "/greeting.txt"); got != "hello from the unikernel\n" {
		t.Fatalf("debugfs read %q", got)
	}

	// A detached instance holds the volume: another one, and rm, are refused.
	in(t, root, "run", "-d", "--name", "srv", "-v", "data:/data", "volapp", "serve").expect(t, 0, "srv\n")
	logsHave(t, root, "srv", "ready")
	in(t, root, "run", "-d", "--name", "second", "-v", "data:/data", "volapp", "serve").expect(t, 125, "stderr:in use by another instance")
	in(t, root, "volume", "rm", "data").expect(t, 125, "stderr:in use by another instance")
	in(t, root, "volume", "inspect", "data").expect(t, 0, `"inUse": true`)
	if st := inspect(t, root, "srv"); st.Status != "running" {
		t.Fatalf("the first instance should still run: %+v", st)
	}
	// stop: the app's SIGTERM handler writes to the volume.
	in(t, root, "stop", "srv").expect(t, 0, "srv\n")
	fsckClean(t, disk)
	if got := debugfsCat(t, disk, "/goodbye"); got != "terminated gracefully\n" {
		t.Fatalf("goodbye file: %q", got)
	}
	in(t, root, "rm", "srv").expect(t, 0)
	in(t, root, "volume", "rm", "data").expect(t, 0, "data\n")
	in(t, root, "volume", "ls").expect(t, 0)
	if strings.Contains(in(t, root, "volume", "ls").stdout, "data") {
		t.Fatal("removed volume still listed")
	}
}

// QEMU killed with SIGKILL in the middle of a write loop: on the next run
// the disk is repaired, every record the app had fsync'ed is there, and
// the file system checks clean.
func TestVolumeSurvivesKill(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	in(t, root, "volume", "create", "rec", "--size", "32M").expect(t, 0)
	in(t, root, "run", "-d", "--name", "loop", "-v", "rec:/data", "volapp", "loop").expect(t, 0)
	logsHave(t, root, "loop", "synced 40\n")
	st := inspect(t, root, "loop")
	if st.QEMU.Pid == 0 {
		t.Fatalf("no QEMU pid: %+v", st)
	}
	if err := syscall.Kill(st.QEMU.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the instance to end", 60*time.Second, func() bool { return inspect(t, root, "loop").Status == "exited" })
	logs := in(t, root, "logs", "loop").stdout
	last := -1
	for _, m := range regexp.MustCompile(`synced (\d+)\n`).FindAllStringSubmatch(logs, -1) {
		last, _ = strconv.Atoi(m[1])
	}
	if last < 40 {
		t.Fatalf("last synced record %d:\n%s", last, logs)
	}
	t.Logf("QEMU killed after record %d was synced", last)
	in(t, root, "rm", "loop").expect(t, 0)
	in(t, root, "run", "-v", "rec:/data", "volapp", "verify", strconv.Itoa(last)).expect(t, 0, "verified "+strconv.Itoa(last))
	fsckClean(t, filepath.Join(root, "volumes", "rec", "disk.img"))
}

// Bad volume options: one clear error each, nothing booted.
func TestVolumeBadInput(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	in(t, root, "run", "-v", "nosuch:/data", "volapp", "read").expect(t, 125, "stderr:no such volume: nosuch")
	in(t, root, "run", "-v", "./missing.img:/data", "volapp", "read").expect(t, 125, "stderr:make the disk first")
	in(t, root, "run", "-v", "data", "volapp", "read").expect(t, 125, "stderr:invalid volume")
	in(t, root, "volume", "create", "a", "--size", "8M").expect(t, 0)
	in(t, root, "volume", "create", "b", "--size", "8M").expect(t, 0)
	in(t, root, "run", "-v", "a:/a", "-v", "b:/b", "volapp", "read").expect(t, 125, "stderr:one ext2 volume")
	in(t, root, "volume", "create", "c", "--size", "tiny").expect(t, 125, "stderr:--size")
}
