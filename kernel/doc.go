// Package kernel is the unigo guest kernel's root: the PVH entry point, the
// boot sequence and the trap glue that hands each system call, interrupt and
// exception to the subsystem that owns it. An app becomes a unikernel by
// importing this package (unigo build adds the import); the app never calls it.
package kernel
