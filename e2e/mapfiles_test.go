package e2e

import (
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// File mappings on tmpfs and on a volume behave as on Linux (the checks
// are the app's: e2e/testdata/mapfiles), and what a program wrote through
// a shared mapping of a file on a volume, without msync, is on the disk
// after `unigo stop` and read back by the next boot; the disk checks clean.
func TestFileMappings(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	in(t, root, "run", "mapfiles", "suite", "/tmp").expect(t, 0, "suite passed")
	in(t, root, "run", "mapfiles", "sigbus", "/tmp").expect(t, 2, "inside the file: 0", "stderr:signal SIGBUS: bus error code=0x2")
	in(t, root, "volume", "create", "maps", "--size", "32M").expect(t, 0)
	in(t, root, "run", "-v", "maps:/data", "mapfiles", "suite", "/data").expect(t, 0, "ok shrink\n", "ok unlinked\n", "suite passed")
	in(t, root, "run", "-d", "--name", "writer", "-v", "maps:/data", "mapfiles", "persist", "/data").expect(t, 0)
	logsHave(t, root, "writer", "ready")
	in(t, root, "stop", "writer").expect(t, 0)
	logsHave(t, root, "writer", "terminated")
	in(t, root, "rm", "writer").expect(t, 0)
	in(t, root, "run", "-v", "maps:/data", "mapfiles", "verify", "/data").expect(t, 0, "verified")
	fsckClean(t, filepath.Join(root, "volumes", "maps", "disk.img"))
}

// A real database that memory-maps its file (go.etcd.io/bbolt, a module
// of its own in testdata, fetched through the module proxy) on a volume:
// 10,000 keys written, the instance stopped, all there on the next boot;
// then QEMU killed with SIGKILL mid-write: every transaction bbolt had
// committed is there, and the disk checks clean.
func TestBoltOnVolume(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	in(t, root, "volume", "create", "kv", "--size", "64M").expect(t, 0)
	in(t, root, "run", "-d", "--name", "put", "-v", "kv:/data", "boltkv", "put", "10000").expect(t, 0)
	logsHave(t, root, "put", "stored 10000\n")
	in(t, root, "stop", "put").expect(t, 0)
	logsHave(t, root, "put", "closed\n")
	in(t, root, "rm", "put").expect(t, 0)
	in(t, root, "run", "-v", "kv:/data", "boltkv", "check", "10000").expect(t, 0, "keys in the database: 10000\n", "all 10000 there")
	fsckClean(t, filepath.Join(root, "volumes", "kv", "disk.img"))

	in(t, root, "run", "-d", "--name", "loop", "-v", "kv:/data", "boltkv", "loop").expect(t, 0)
	logsHave(t, root, "loop", "committed 20\n")
	st := inspect(t, root, "loop")
	if st.QEMU.Pid == 0 {
		t.Fatalf("no QEMU pid: %+v", st)
	}
	if err := syscall.Kill(st.QEMU.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the instance to end", 60*time.Second, func() bool { return inspect(t, root, "loop").Status == "exited" })
	last := -1
	for _, m := range regexp.MustCompile(`committed (\d+)\n`).FindAllStringSubmatch(in(t, root, "logs", "loop").stdout, -1) {
		last, _ = strconv.Atoi(m[1])
	}
	t.Logf("QEMU killed after transaction %d was committed", last)
	in(t, root, "rm", "loop").expect(t, 0)
	n := strconv.Itoa((last + 1) * 100)
	in(t, root, "run", "-v", "kv:/data", "boltkv", "check", n).expect(t, 0, "all "+n+" there")
	fsckClean(t, filepath.Join(root, "volumes", "kv", "disk.img"))
}

// SQLite (modernc.org/sqlite: its own file I/O, POSIX record locks, and in
// WAL mode a shared-memory index mapped from a file; a module of its own in
// testdata) on a volume, in WAL and in rollback-journal mode: rows written,
// the instance stopped, all there and intact on the next boot.
func TestSQLiteOnVolume(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	const img = "sqlitedb"
	in(t, root, "build", "-t", img, "./e2e/testdata/sqlitedb").expect(t, 0)
	in(t, root, "volume", "create", "sq", "--size", "64M").expect(t, 0)
	for _, mode := range []string{"wal", "delete"} {
		in(t, root, "run", "-d", "--name", mode, "-v", "sq:/data", img, "write", "/data", mode, "2000").expect(t, 0)
		logsHave(t, root, mode, "wrote 2000\n")
		in(t, root, "stop", mode).expect(t, 0)
		logsHave(t, root, mode, "closed\n")
		in(t, root, "rm", mode).expect(t, 0)
		in(t, root, "run", "-v", "sq:/data", img, "read", "/data", mode, "2000").expect(t, 0, "read 2000 rows in "+mode+" mode, integrity ok")
	}
	fsckClean(t, filepath.Join(root, "volumes", "sq", "disk.img"))
}
