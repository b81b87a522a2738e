package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// mountDisks mounts what /mounts lists, one "DEVICE DIRECTORY FSTYPE" a
// line (`unigo bench volume`: "/dev/vda /data ext2"). Device nodes come
// from a devtmpfs mounted on /dev: the kernel does not mount one itself
// when its root is an initramfs. No /mounts: nothing to do.
func mountDisks() error {
	f, err := os.Open("/mounts")
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	devMounted := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			return fmt.Errorf("/mounts: %q is not DEVICE DIRECTORY FSTYPE", sc.Text())
		}
		dev, dir, fstype := fields[0], fields[1], fields[2]
		if !devMounted {
			if err := os.MkdirAll("/dev", 0o755); err != nil {
				return err
			}
			if err := syscall.Mount("devtmpfs", "/dev", "devtmpfs", 0, ""); err != nil {
				return fmt.Errorf("mounting devtmpfs on /dev: %w", err)
			}
			devMounted = true
		}
		// The driver registers the disk while it probes the device; its node
		// appears a moment later.
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if _, err := os.Stat(dev); err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("no %s 5 s after loading the drivers (is the disk attached, and virtio_blk in /modules?)", dev)
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := syscall.Mount(dev, dir, fstype, 0, ""); err != nil {
			return fmt.Errorf("mount -t %s %s %s: %w (is %s built into the guest kernel, or its module in /modules?)", fstype, dev, dir, err, fstype)
		}
	}
	return sc.Err()
}
