// Command volbench measures file I/O on a disk volume (default /data):
// sequential and random, reads and writes, with fsync where an app that
// wants its data kept would call it. It is an ordinary Go program, so that
// the same static binary runs natively, as the app of a Linux microVM that
// mounts the disk, and as a unigo image with `-v DISK:/data`
// (`unigo bench volume`).
//
// Two input files must be in the directory before it runs, written by
// `volbench -prepare` (the benchmark puts them into each fresh disk image
// from the host): cold-seq and cold-rand, whose 4 KiB blocks each start
// with their block number and "volbench". Because the host wrote them, a
// guest that has just booted holds none of their blocks in its caches, so
// reading them measures the disk path (the guest's driver, virtio-blk,
// QEMU, the host's page cache), not the guest's cache. Their contents are
// checked as they are read, so a guest that returns wrong data fails.
//
// The phases, in order, each timed with the program's own clock:
//
//	seq_write_mbps   a new 64 MiB file "seq" in 1 MiB writes, then fsync and
//	                 close (both in the time)
//	reread_mbps      "seq" read back in 1 MiB reads, just after writing it:
//	                 from the guest's cache where it keeps one
//	seq_read_mbps    cold-seq (64 MiB) in 1 MiB reads: from the disk
//	rand_read_iops   4096 reads of 4 KiB at distinct random aligned offsets
//	                 of cold-rand (64 MiB): from the disk
//	rand_write_iops  4096 writes of 4 KiB at distinct random aligned
//	                 offsets of "seq", then one fsync (in the time)
//	sync_write_iops  256 writes of 4 KiB at random offsets of "seq", each
//	                 followed by fsync: durable small writes, as a database
//	                 makes them
//
// It prints one line and exits:
//
//	volbench seq_write_mbps=… reread_mbps=… seq_read_mbps=… rand_read_iops=… rand_write_iops=… sync_write_iops=…
//
// MB/s are 10^6 bytes per second. On a failure it prints
// "volbench error: ..." and exits with status 1.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

const (
	block     = 4 << 10
	chunk     = 1 << 20
	magic     = "volbench"
	coldSeq   = "cold-seq"
	coldRand  = "cold-rand"
	seqFile   = "seq"
	headerLen = 16 // block number (8 bytes, little endian) + magic
)

var (
	dir      = flag.String("dir", "/data", "directory on the volume")
	size     = flag.Int64("size", 64<<20, "bytes of each file")
	randOps  = flag.Int("ops", 4096, "random 4 KiB reads, and random 4 KiB writes")
	syncOps  = flag.Int("sync-ops", 256, "4 KiB writes each followed by fsync")
	prepare  = flag.Bool("prepare", false, "write the input files "+coldSeq+" and "+coldRand+" into -dir and exit")
	errShort = errors.New("short read")
)

func main() {
	flag.Parse()
	if *size < chunk || *size%chunk != 0 || *randOps > int(*size/block) || *randOps < 1 || *syncOps < 1 {
		fmt.Println("volbench error: -size must be a multiple of 1 MiB, -ops at most -size/4096, -ops and -sync-ops positive")
		os.Exit(1)
	}
	if *prepare {
		for _, name := range []string{coldSeq, coldRand} {
			if err := writeInput(filepath.Join(*dir, name)); err != nil {
				fmt.Printf("volbench error: %v\n", err)
				os.Exit(1)
			}
		}
		return
	}
	r, err := run()
	if err != nil {
		fmt.Printf("volbench error: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("volbench seq_write_mbps=%.1f reread_mbps=%.1f seq_read_mbps=%.1f rand_read_iops=%.0f rand_write_iops=%.0f sync_write_iops=%.1f\n",
		r.seqWrite, r.reread, r.seqRead, r.randRead, r.randWrite, r.syncWrite)
}

type results struct{ seqWrite, reread, seqRead, randRead, randWrite, syncWrite float64 }

func run() (r results, err error) {
	for _, name := range []string{coldSeq, coldRand} {
		fi, err := os.Stat(filepath.Join(*dir, name))
		if err != nil {
			return r, fmt.Errorf("%w: the input files are made by `volbench -prepare -dir DIR` (unigo bench volume puts them on each disk); is the volume mounted at %s?", err, *dir)
		}
		if fi.Size() != *size {
			return r, fmt.Errorf("%s is %d bytes, want %d (-size)", fi.Name(), fi.Size(), *size)
		}
	}
	buf := make([]byte, chunk)
	fill(buf, 0)
	seq := filepath.Join(*dir, seqFile)

	start := time.Now()
	if err := writeSeq(seq, buf); err != nil {
		return r, fmt.Errorf("sequential write: %w", err)
	}
	r.seqWrite = mbps(*size, time.Since(start))

	start = time.Now()
	if err := readSeq(seq, buf, false); err != nil {
		return r, fmt.Errorf("re-read: %w", err)
	}
	r.reread = mbps(*size, time.Since(start))

	start = time.Now()
	if err := readSeq(filepath.Join(*dir, coldSeq), buf, true); err != nil {
		return r, fmt.Errorf("sequential read: %w", err)
	}
	r.seqRead = mbps(*size, time.Since(start))

	blocks := int(*size / block)
	start = time.Now()
	if err := readRandom(filepath.Join(*dir, coldRand), buf[:block], rand.New(rand.NewPCG(1, 1)).Perm(blocks)[:*randOps]); err != nil {
		return r, fmt.Errorf("random read: %w", err)
	}
	r.randRead = float64(*randOps) / time.Since(start).Seconds()

	start = time.Now()
	if err := writeRandom(seq, buf[:block], rand.New(rand.NewPCG(2, 2)).Perm(blocks)[:*randOps], false); err != nil {
		return r, fmt.Errorf("random write: %w", err)
	}
	r.randWrite = float64(*randOps) / time.Since(start).Seconds()

	start = time.Now()
	if err := writeRandom(seq, buf[:block], rand.New(rand.NewPCG(3, 3)).Perm(blocks)[:*syncOps], true); err != nil {
		return r, fmt.Errorf("fsync'ed writes: %w", err)
	}
	r.syncWrite = float64(*syncOps) / time.Since(start).Seconds()
	return r, nil
}

// writeSeq writes a new file of -size bytes in 1 MiB writes, then fsyncs
// and closes it.
func writeSeq(path string, buf []byte) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	for n := int64(0); n < *size; n += chunk {
		if _, err := f.Write(buf); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync: %w", err)
	}
	return f.Close()
}

// readSeq reads a file in 1 MiB reads and checks its size, and with check
// every block's header.
func readSeq(path string, buf []byte, check bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var total int64
	for {
		n, err := io.ReadFull(f, buf)
		if check {
			for off := 0; off+block <= n; off += block {
				if err := checkBlock(buf[off:off+block], (total+int64(off))/block); err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
			}
		}
		total += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if total != *size {
		return fmt.Errorf("%s: read %d bytes, want %d", path, total, *size)
	}
	return nil
}

// readRandom reads the given 4 KiB blocks of a file, checking each.
func readRandom(path string, buf []byte, blocks []int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, b := range blocks {
		n, err := f.ReadAt(buf, int64(b)*block)
		if n < len(buf) {
			if err == nil {
				err = errShort
			}
			return fmt.Errorf("%s at block %d: %w", path, b, err)
		}
		if err := checkBlock(buf, int64(b)); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}

// writeRandom overwrites the given 4 KiB blocks of a file: with eachSync an
// fsync after every write, else one at the end.
func writeRandom(path string, buf []byte, blocks []int, eachSync bool) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	for _, b := range blocks {
		fill(buf, int64(b))
		if _, err := f.WriteAt(buf, int64(b)*block); err != nil {
			f.Close()
			return err
		}
		if eachSync {
			if err := f.Sync(); err != nil {
				f.Close()
				return fmt.Errorf("fsync: %w", err)
			}
		}
	}
	if !eachSync {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("fsync: %w", err)
		}
	}
	return f.Close()
}

// writeInput writes an input file: -size bytes of numbered blocks, synced.
func writeInput(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	buf := make([]byte, chunk)
	for off := int64(0); off < *size; off += chunk {
		fill(buf, off/block)
		if _, err := f.Write(buf); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fill writes numbered blocks into buf, the first numbered first: each
// starts with its number and the magic, the rest is a pattern.
func fill(buf []byte, first int64) {
	for off := 0; off < len(buf); off += block {
		b := buf[off:min(off+block, len(buf))]
		for i := range b {
			b[i] = byte(i*7 + i>>8)
		}
		if len(b) >= headerLen {
			binary.LittleEndian.PutUint64(b, uint64(first+int64(off/block)))
			copy(b[8:], magic)
		}
	}
}

// checkBlock verifies that a block read back is block number want.
func checkBlock(b []byte, want int64) error {
	got := binary.LittleEndian.Uint64(b)
	if !bytes.Equal(b[8:headerLen], []byte(magic)) || got != uint64(want) {
		return fmt.Errorf("block %d holds wrong data (header %x)", want, b[:headerLen])
	}
	return nil
}

func mbps(bytes int64, d time.Duration) float64 {
	return float64(bytes) / 1e6 / d.Seconds()
}
