package syscalls

import (
	"unigo.dev/unigo/kernel/random"
)

// uname says Linux (the ABI the app was built for), with the unikernel's name.
func uname(buf uintptr) int64 {
	b, ok := userBytes(buf, 6*65, true)
	if !ok {
		return -EFAULT
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
		return -EINVAL
	}
	cur, max := infinity, infinity
	switch resource {
	case rlimitStack:
		cur = 8 << 20
	case rlimitNofile:
		cur, max = 1<<20, 1<<20
	}
	if old != 0 && (!putU64(old, cur) || !putU64(old+8, max)) {
		return -EFAULT
	}
	return 0
}

// wait4 and waitid: a unikernel runs one program and never has children.
func waitChild() int64 { return -ECHILD }

func getrandom(buf, n uintptr) int64 {
	if n > 1<<25 {
		n = 1 << 25
	}
	b, ok := userBytes(buf, n, true)
	if !ok {
		return -EFAULT
	}
	random.Fill(b)
	return int64(n)
}
