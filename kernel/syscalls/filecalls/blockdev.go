package filecalls

import (
	"unigo.dev/unigo/kernel/devices/virtioblk"
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/vfs"
)

// Block device files: the disks, /dev/vda and on (vfs/disks.go). They are
// KindDevice descriptors like /dev/null; what differs is here: reads and
// writes at any offset and length go to the disk through the driver's
// bounce pages, lseek knows the disk's size (SEEK_END is how programs
// size a block device: stat reports st_size 0, as on Linux), and fsync is
// the device's FLUSH.

// openDevice opens a character or block device file. A read-only disk
// cannot be opened for writing.
func openDevice(ino memfs.Ino, rdev uint32, flags int) int64 {
	if d := vfs.DiskIndex(rdev); d >= 0 && flags&oAccMode != 0 && flags&oPath == 0 && virtioblk.ReadOnly(d) {
		return -abi.EROFS
	}
	return openFD(files.File{Kind: files.KindDevice, Ino: uint32(ino), Rdev: rdev, Flags: uint32(flags & (oAccMode | oAppend | oNonblock))}, flags, ino)
}

// diskOf returns the disk a descriptor is open on, or -1.
func diskOf(f *files.File) int {
	if f.Kind != files.KindDevice {
		return -1
	}
	return vfs.DiskIndex(f.Rdev)
}

// diskRead reads disk d at off (the descriptor's offset, which advances,
// when off < 0) into b, the app's checked buffer.
func diskRead(f *files.File, d int, b []byte, off int64) int64 {
	at := off
	if off < 0 {
		at = f.Off
	}
	n, e := virtioblk.ReadAt(d, b, at)
	if n == 0 && e != 0 {
		return abi.Errno(e)
	}
	if off < 0 {
		f.Off = at + int64(n)
	}
	return int64(n)
}

// diskWrite writes b to disk d at off, like diskRead. O_APPEND means
// nothing on a disk.
func diskWrite(f *files.File, d int, b []byte, off int64) int64 {
	at := off
	if off < 0 {
		at = f.Off
	}
	n, e := virtioblk.WriteAt(d, b, at)
	if n == 0 && e != 0 {
		return abi.Errno(e)
	}
	if off < 0 {
		f.Off = at + int64(n)
	}
	return int64(n)
}

// diskSeek moves a disk descriptor's offset within the disk (Linux's rule
// for devices of a fixed size: never past the end).
func diskSeek(f *files.File, d int, off int64, whence int) int64 {
	pos := off
	switch whence {
	case 0:
	case 1:
		pos += f.Off
	case 2:
		pos += virtioblk.Size(d)
	default:
		return -abi.EINVAL
	}
	if pos < 0 || pos > virtioblk.Size(d) {
		return -abi.EINVAL
	}
	f.Off = pos
	return pos
}

// diskSync makes the writes to disk d durable on the host.
func diskSync(d int) int64 { return abi.Errno(virtioblk.Flush(d)) }
