// Command boltbench measures an embedded database on a disk volume
// (default /data): go.etcd.io/bbolt, which memory-maps its file for reads
// and writes each commit with pwrite and fdatasync. It is an ordinary Go
// program, so that the same static binary runs natively, as the app of a
// Linux microVM that mounts the disk, and as a unigo image with
// `-v DISK:/data` (`unigo bench bolt`).
//
// It opens a new database DIR/bench.db with bbolt's default options (an
// fsync per commit) and runs a fixed workload, each phase timed with the
// program's own clock:
//
//	put_tx_s         500 read-write transactions of 20 puts each, committed
//	                 one by one: durable small transactions per second
//	bulk_put_keys_s  100,000 keys with 100-byte values, in transactions of
//	                 10,000: keys per second, commits included
//	get_keys_s       100,000 point gets of random keys of the bulk bucket,
//	                 in read transactions of 1,000: keys per second
//	scan_keys_s      a cursor over the whole bulk bucket: keys per second
//
// Keys are 8 bytes, the index of a key scrambled by a bijection, so that
// puts land all over the tree; every value starts with its key's index.
// Everything read is checked: a missing key, a wrong value, a key out of
// order or a wrong count is an error. It prints one line and exits:
//
//	boltbench put_tx_s=… bulk_put_keys_s=… get_keys_s=… scan_keys_s=…
//
// On a failure it prints "boltbench error: ..." and exits with status 1.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

const (
	dbFile   = "bench.db"
	valueLen = 100
	// txBase sets the keys of the small transactions apart from the bulk
	// keys: their indexes start here.
	txBase = 1 << 40
)

var (
	bucketTx   = []byte("tx")
	bucketBulk = []byte("bulk")
)

var (
	dir      = flag.String("dir", "/data", "directory on the volume; the database is DIR/"+dbFile)
	txs      = flag.Int("txs", 500, "small read-write transactions, each committed (fsync) on its own")
	txKeys   = flag.Int("tx-keys", 20, "puts in each small transaction")
	keys     = flag.Int("keys", 100_000, "keys put in bulk, then read back")
	batch    = flag.Int("batch", 10_000, "puts in each bulk transaction")
	gets     = flag.Int("gets", 100_000, "random point gets")
	getBatch = flag.Int("get-batch", 1_000, "gets in each read transaction")
)

type results struct{ putTx, bulkPut, get, scan float64 }

func main() {
	flag.Parse()
	if *txs < 1 || *txKeys < 1 || *keys < 1 || *batch < 1 || *gets < 1 || *getBatch < 1 {
		fail(errors.New("every count must be positive"))
	}
	r, err := run(filepath.Join(*dir, dbFile))
	if err != nil {
		fail(err)
	}
	fmt.Printf("boltbench put_tx_s=%.1f bulk_put_keys_s=%.0f get_keys_s=%.0f scan_keys_s=%.0f\n",
		r.putTx, r.bulkPut, r.get, r.scan)
}

func fail(err error) {
	fmt.Printf("boltbench error: %v\n", err)
	os.Exit(1)
}

// run measures the four phases on a new database at path.
func run(path string) (r results, err error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return r, err
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return r, fmt.Errorf("open: %w (is the volume mounted at %s?)", err, *dir)
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close: %w", cerr)
		}
	}()
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketTx, bucketBulk} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return r, fmt.Errorf("create buckets: %w", err)
	}
	val := make([]byte, valueLen)

	start := time.Now()
	for t := range *txs {
		if err := db.Update(func(tx *bolt.Tx) error {
			return putRange(tx.Bucket(bucketTx), txBase+uint64(t**txKeys), *txKeys)
		}); err != nil {
			return r, fmt.Errorf("small transaction %d: %w", t, err)
		}
	}
	r.putTx = float64(*txs) / time.Since(start).Seconds()
	if err := db.View(func(tx *bolt.Tx) error {
		return checkRange(tx.Bucket(bucketTx), txBase, *txs**txKeys, val)
	}); err != nil {
		return r, fmt.Errorf("small transactions read back: %w", err)
	}

	start = time.Now()
	for first := 0; first < *keys; first += *batch {
		n := min(*batch, *keys-first)
		if err := db.Update(func(tx *bolt.Tx) error {
			return putRange(tx.Bucket(bucketBulk), uint64(first), n)
		}); err != nil {
			return r, fmt.Errorf("bulk put of keys %d-%d: %w", first, first+n-1, err)
		}
	}
	r.bulkPut = float64(*keys) / time.Since(start).Seconds()

	rng := rand.New(rand.NewPCG(1, 1))
	start = time.Now()
	for done := 0; done < *gets; done += *getBatch {
		n := min(*getBatch, *gets-done)
		if err := db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketBulk)
			for range n {
				i := uint64(rng.IntN(*keys))
				if err := checkValue(b.Get(key(i)), i, val); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return r, fmt.Errorf("get: %w", err)
		}
	}
	r.get = float64(*gets) / time.Since(start).Seconds()

	start = time.Now()
	if err := db.View(func(tx *bolt.Tx) error { return scan(tx.Bucket(bucketBulk), *keys) }); err != nil {
		return r, fmt.Errorf("scan: %w", err)
	}
	r.scan = float64(*keys) / time.Since(start).Seconds()
	return r, nil
}

// putRange puts the keys of indexes first, first+1, ... (n of them) into
// b. Each value is a slice of its own: bbolt keeps what Put is given until
// the commit.
func putRange(b *bolt.Bucket, first uint64, n int) error {
	vals := make([]byte, n*valueLen)
	for j := range n {
		i, val := first+uint64(j), vals[j*valueLen:(j+1)*valueLen:(j+1)*valueLen]
		fill(val, i)
		if err := b.Put(key(i), val); err != nil {
			return err
		}
	}
	return nil
}

// checkRange checks that b holds the values of indexes first, first+1, ...
// (n of them).
func checkRange(b *bolt.Bucket, first uint64, n int, val []byte) error {
	for i := first; i < first+uint64(n); i++ {
		if err := checkValue(b.Get(key(i)), i, val); err != nil {
			return err
		}
	}
	return nil
}

// scan walks b with a cursor and checks that it holds exactly the bulk
// keys 0..want-1, in order, with their values.
func scan(b *bolt.Bucket, want int) error {
	var prev []byte
	n := 0
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			return fmt.Errorf("key %x after %x: out of order", k, prev)
		}
		if len(v) != valueLen {
			return fmt.Errorf("key %x: a value of %d bytes, want %d", k, len(v), valueLen)
		}
		i := binary.LittleEndian.Uint64(v)
		if i >= uint64(want) || !bytes.Equal(k, key(i)) {
			return fmt.Errorf("key %x holds the value of index %d", k, i)
		}
		prev = k
		n++
	}
	if n != want {
		return fmt.Errorf("%d keys, want %d", n, want)
	}
	return nil
}

// checkValue checks that got is the value of index i (val is scratch).
func checkValue(got []byte, i uint64, val []byte) error {
	if got == nil {
		return fmt.Errorf("key %x (index %d) is missing", key(i), i)
	}
	fill(val, i)
	if !bytes.Equal(got, val) {
		return fmt.Errorf("key %x (index %d) holds a wrong value", key(i), i)
	}
	return nil
}

// key is the 8-byte key of index i: i scrambled by a bijection of uint64
// (xor-shifts and multiplications by odd constants), big-endian, so that
// consecutive indexes land far apart in the tree and no two collide.
func key(i uint64) []byte {
	z := i
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return binary.BigEndian.AppendUint64(nil, z)
}

// fill makes val the value of index i: the index, then a pattern of it.
func fill(val []byte, i uint64) {
	binary.LittleEndian.PutUint64(val, i)
	for j := 8; j < len(val); j++ {
		val[j] = byte(i*31) + byte(j)
	}
}
