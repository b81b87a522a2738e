package volume

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// ext2 superblock fields (at byte 1024 of the disk).
const (
	superOffset  = 1024
	magicOffset  = 56
	stateOffset  = 58
	ext2Magic    = 0xEF53
	stateCleanFS = 1
)

// Check makes sure the disk at path holds an ext2 file system, and repairs
// it with `e2fsck -p` when it was not unmounted cleanly (the VM was killed
// or crashed): the guest marks the file system in use while mounted, and
// clean again when the app exits. Data fsync'ed before a crash is kept.
func Check(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("disk %s: %w", path, err)
	}
	var sb [64]byte
	_, err = f.ReadAt(sb[:], superOffset)
	f.Close()
	if err == io.EOF || err == nil && binary.LittleEndian.Uint16(sb[magicOffset:]) != ext2Magic {
		return fmt.Errorf("disk %s holds no ext2 file system: make one with unigo volume create, or mke2fs -t ext2 %s", path, path)
	}
	if err != nil {
		return fmt.Errorf("disk %s: %w", path, err)
	}
	if binary.LittleEndian.Uint16(sb[stateOffset:])&stateCleanFS != 0 {
		return nil
	}
	e2fsck, err := tool("e2fsck")
	if err != nil {
		return fmt.Errorf("disk %s was not unmounted cleanly and needs checking: %w", path, err)
	}
	cmd := exec.Command(e2fsck, "-p", path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if x, ok := err.(*exec.ExitError); ok && x.ExitCode() <= 1 {
		return nil // 1: errors corrected
	}
	if err != nil {
		return fmt.Errorf("disk %s was not unmounted cleanly and e2fsck -p could not repair it (%v):\n%s\nrun e2fsck %s by hand", path, err, out.Bytes(), path)
	}
	return nil
}
