package ext2

import "unigo.dev/unigo/kernel/devices/virtioblk"

// The disk functions have the driver's signatures: plugging it in is
// assigning these (this only compiles, it is never called).
var _ = func() {
	diskRead, diskWrite, diskFlush = virtioblk.ReadPage, virtioblk.WritePage, virtioblk.Flush
	diskReadPages, diskWritePages = virtioblk.Read, virtioblk.Write
}
