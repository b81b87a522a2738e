package build

import (
	"debug/elf"
	"fmt"
	"regexp"
)

// The kernel of unmodified executables carries the network stack only for
// a program that may use sockets, as a Go app links it only when it imports
// net: without it the kernel is 3.5 MiB smaller in RAM and never starts a
// runtime of its own (docs/exec-design.md).

// socketSymbol matches the names of the socket calls in a static program's
// symbol table: a C library's socket and socketpair (__socket, socket@...),
// Go's syscall.Socket, Zig's posix.socket and the like.
var socketSymbol = regexp.MustCompile(`(?i)(^|[._:])_*socket(pair)?(@.*)?$`)

// usesSockets reports whether the program at path may make socket calls:
// its symbol table names one, or it has no symbol table to tell (stripped).
func usesSockets(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil || len(syms) == 0 {
		return true, nil
	}
	for _, s := range syms {
		if socketSymbol.MatchString(s.Name) {
			return true, nil
		}
	}
	return false, nil
}
