package files

import (
	"context"
	"time"

	"unigo.dev/unigo/bench/measure"
)

// The bolt benchmark (RunBolt) runs examples/boltbench, a fixed put/get
// workload on a go.etcd.io/bbolt database (a file it memory-maps, with an
// fsync per commit), on a disk exactly as the volume benchmark runs
// volbench: natively on a directory of the host, as the app of the Linux
// microVM with a fresh disk mounted at /data, and as a unigo image with the
// same kind of disk attached as `unigo run -v DISK:/data` attaches it.

// boltbench is the program of the bolt benchmark, with the quantities it
// prints, by the name it prints them under, in table order.
var boltbench = program{name: "boltbench", quantities: []measure.Quantity{
	{Key: "put_tx_s", Name: "put: transactions of 20 keys, each committed (500)", Unit: "tx/s"},
	{Key: "bulk_put_keys_s", Name: "bulk put: 100,000 keys of 100 bytes, 10,000 a transaction", Unit: "keys/s"},
	{Key: "get_keys_s", Name: "get: 100,000 random keys, 1,000 a read transaction", Unit: "keys/s"},
	{Key: "scan_keys_s", Name: "scan: a cursor over the 100,000 keys", Unit: "keys/s"},
}}

// RunBolt runs the bolt benchmark and writes results.json into cfg.Out.
func RunBolt(ctx context.Context, cfg VolumeConfig) (*Report, error) {
	if err := cfg.setDefaults("./examples/boltbench", 180*time.Second); err != nil {
		return nil, err
	}
	return run(ctx, cfg.Config, &benchmark{
		name:    "bolt",
		program: boltbench,
		columns: "(put tx/s, bulk put/get/scan keys/s)",
		notes: []string{
			"each run is one execution of the program on a fresh disk image (a fresh directory natively): it makes a new bbolt database (go.etcd.io/bbolt v1.4.3, default options: an fdatasync per commit) and measures itself with its own clock (the guest's, in a VM); medians of interleaved runs, with min–max",
			"keys are 8 bytes, their index scrambled so that puts land all over the tree; every value read is checked, and the scan checks the order and the count",
			"bbolt reads through a shared read-only mapping of the database file and writes with pwrite: in unigo, the kernel's file mappings over the ext2 volume's block cache",
		},
		noteLoad: true,
		place:    cfg.disk(boltbench),
	})
}
