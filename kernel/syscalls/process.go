package syscalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/random"
	"unigo.dev/unigo/kernel/syscalls/abi"
)

// uname says Linux (the ABI the app was built for), with the unikernel's name.
func uname(buf uintptr) int64 {
	b, ok := abi.UserBytes(buf, 6*65, true)
	if !ok {
		return -abi.EFAULT
	}
	clear(b)
	fields := [6]string{"Linux", "unigo", "6.1.0-unigo", "#1 unigo", "x86_64", "(none)"}
	for i, f := range fields {
		copy(b[i*65:], f)
	}
	return 0
}

// Resource limits: generous fixed values; setrlimit is accepted and ignored.
func prlimit(resource int, newLimit, old uintptr) int64 {
	const infinity = ^uint64(0)
	const (
		rlimitStack  = 3
		rlimitNofile = 7
	)
	if resource < 0 || resource > 15 {
		return -abi.EINVAL
	}
	cur, max := infinity, infinity
	switch resource {
	case rlimitStack:
		cur = 8 << 20
	case rlimitNofile:
		// The descriptor table's size: a C program that closes every
		// descriptor up to the limit at start-up loops that far.
		cur, max = files.AppFDs, files.AppFDs
	}
	if old != 0 && (!abi.PutU64(old, cur) || !abi.PutU64(old+8, max)) {
		return -abi.EFAULT
	}
	return 0
}

// wait4 and waitid: a unikernel runs one program and never has children.
func waitChild() int64 { return -abi.ECHILD }

func getrandom(buf, n uintptr) int64 {
	if n > 1<<25 {
		n = 1 << 25
	}
	b, ok := abi.UserBytes(buf, n, true)
	if !ok {
		return -abi.EFAULT
	}
	random.Fill(b)
	return int64(n)
}
