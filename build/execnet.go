package build

import (
	"debug/elf"
	"fmt"
	"regexp"
)

// The kernel of unmodified executables carries the network stack only for
// a program that may use sockets, as a Go app links it only when it imports
// net: without it the kernel is 3.5 MiB smaller in RAM and never starts a
// runtime of its own (docs/exec-design.md). --net-stack forces it in.

// socketSymbol matches the names of the socket calls in a static program's
// symbol table: a C library's socket and socketpair (__socket, socket@...),
// Go's syscall.Socket, Zig's posix.socket and the like.
var socketSymbol = regexp.MustCompile(`(?i)(^|[._:])_*socket(pair)?(@.*)?$`)

// usesSockets reports whether the program at path may make socket calls:
// it has no symbol table to tell (stripped), or its symbols name a socket
// call that its code can reach (reachesSockets). A Go program is taken at
// its symbols' word: Go's linker leaves out the functions nothing calls.
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
	named := false
	for _, s := range syms {
		if socketSymbol.MatchString(s.Name) {
			named = true
			break
		}
	}
	if !named || isGoProgram(f, syms) {
		return named, nil
	}
	return reachesSockets(f, syms), nil
}

// isGoProgram tells a program linked by Go's linker (with or without cgo).
func isGoProgram(f *elf.File, syms []elf.Symbol) bool {
	if f.Section(".go.buildinfo") != nil {
		return true
	}
	for _, s := range syms {
		if s.Name == "runtime.main" {
			return true
		}
	}
	return false
}
