package e2e

import (
	"path/filepath"
	"testing"
)

// The file and network calls real programs use beyond the basics answer
// as Linux's do (the checks are the app's: e2e/testdata/fscalls): flock
// and OFD locks conflict between two descriptions of one file, on tmpfs
// and on a volume, and a blocked flock wakes when another thread lets go;
// POSIX locks never conflict within the process and go with any close;
// fallocate takes memory on tmpfs and is EOPNOTSUPP on ext2; statfs tells
// tmpfs, the read-only root, /proc and an ext2 volume apart, with sizes;
// prctl; and net.Interfaces lists lo, and eth0 with the VM's card.
func TestFileCalls(t *testing.T) {
	t.Parallel()
	img := app(t, "fscalls")
	root := t.TempDir()
	env := []string{"UNIGO_ROOT=" + root}
	unigo(t, env, "volume", "create", "fsc", "--size", "32M").expect(t, 0)
	unigo(t, env, "run", "--net", "user", "-v", "fsc:/data", img, "/data", "card").expect(t, 0,
		"ok flock\n", "ok record locks\n", "ok fallocate\n", "ok statfs\n", "ok prctl\n",
		"interface 2 eth0 mtu 1500 flags up|broadcast|multicast|running", "ok interfaces\n", "passed\n")
	fsckClean(t, filepath.Join(root, "volumes", "fsc", "disk.img"))

	// Without a card: lo alone; the trace names calls by their Linux
	// names, implemented or not.
	run(t, img, "--trace-syscalls").expect(t, 0, "interface 1 lo mtu 65536 flags up|loopback|running", "passed\n",
		"stderr:] flock(", "stderr:] statfs(", "stderr:] prctl(", "stderr:] socket(0x10,")
}
