// Package image turns the ELF executable that `go build` links into a unigo
// image that QEMU boots with -kernel (PVH), and reads such images back.
//
// The format is defined by docs/boot-contract.md: an ELF64 x86-64 ET_EXEC
// with two PT_NOTE program headers, a Xen PHYS32_ENTRY note that tells a PVH
// loader where the 32-bit entry is, and a "unigo" note naming the format
// version. Everything else is what the Go linker produced.
package image

import "errors"

// FormatVersion is the image format this unigo writes and reads, stored in the
// "unigo" note. Bump it when the host/guest contract changes incompatibly.
const FormatVersion = "unigo-image/1"

// ErrNotImage is wrapped by every error that says a file is not a unigo image
// (or not one this unigo can read).
var ErrNotImage = errors.New("not a unigo image")

// ErrTruncated is wrapped by the error Open returns for a file shorter than
// its own headers say it is.
var ErrTruncated = errors.New("truncated image")
