package main

import (
	"github.com/spf13/cobra"

	"unigo.dev/unigo/bench/files"
)

// newBenchBoltCmd is `unigo bench bolt` (added in bench.go).
func newBenchBoltCmd() *cobra.Command {
	return newDiskBenchCmd("bolt", "./examples/boltbench", "An embedded database (bbolt) on a volume: native process vs Linux microVM vs unigo",
		`Builds the bolt benchmark program (--app, default ./examples/boltbench) once and
runs it three ways, interleaved (A B C A B C ...), each run on a fresh disk, as
'unigo bench volume' runs its program:

  native   the plain static binary as a host process, on a fresh directory of --disk-dir
  linux    Debian's cloud kernel in QEMU with a fresh ext2 disk image attached as a
           virtio-blk device, mounted at /data (ext2 through its built-in ext4 driver) by
           the benchmark's /init, which loads the virtio-blk modules and runs the binary
  unigo    the unigo image of the program in the same QEMU, the same kind of disk
           attached as 'unigo run -v DISK.img:/data' attaches it

Both VMs get the same QEMU command line apart from what they boot. Each disk image is
made as 'unigo volume create' makes one (mke2fs -t ext2 -b 4096 -m 0).

The program makes a new go.etcd.io/bbolt database, /data/bench.db, with bbolt's default
options (it memory-maps the file for reads; every commit writes with pwrite and
fdatasync), and measures with its own clock:

  put        500 read-write transactions of 20 puts each, each committed on its own:
             durable small transactions per second
  bulk put   100,000 keys with 100-byte values, in transactions of 10,000: keys/s
  get        100,000 point gets of random keys, in read transactions of 1,000: keys/s
  scan       a cursor over the 100,000 keys: keys/s

Keys are scrambled so that puts land all over the tree; every value read is checked.
The table shows medians with min–max and unigo's ratio to Linux (target: at least
0.8×) and to native.`, files.RunBolt)
}
