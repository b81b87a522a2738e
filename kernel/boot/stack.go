package boot

// Auxiliary-vector keys the Go runtime reads, and those a C library's
// start-up reads too (for an unmodified executable: Exec).
const (
	atNull        = 0
	atPhdr        = 3
	atPhent       = 4
	atPhnum       = 5
	atPageSz      = 6
	atBase        = 7
	atFlags       = 8
	atEntry       = 9
	atUID         = 11
	atEUID        = 12
	atGID         = 13
	atEGID        = 14
	atPlatform    = 15
	atClkTck      = 17
	atHWCap       = 16
	atSecure      = 23
	atRandom      = 25
	atExecFn      = 31
	atSysinfoEhdr = 33
)

// StackInput is what goes on the initial stack besides the command line.
type StackInput struct {
	Cmdline []byte   // the decoded command-line buffer the spans point into
	Opts    *Options // parsed from Cmdline
	Random  [16]byte // AT_RANDOM: the runtime seeds its hashes from it
	HWCap   uint64
	// MemoryLimit, when not zero, becomes GOMEMLIMIT in the environment
	// unless the app's environment sets it: the Go runtime cannot see the
	// VM's RAM, and without a limit its heap grows past it under load
	// where a collection would have made room.
	MemoryLimit uint64
	// SysinfoEhdr is the vDSO's address (AT_SYSINFO_EHDR), or 0 for none.
	SysinfoEhdr uintptr
	// Exec, for an unmodified executable, is where the kernel loaded it.
	Exec *ExecAux
}

// ExecAux is what the auxiliary vector tells an unmodified executable about
// itself, and its path, which replaces argv[0] (as a container's entrypoint
// is its argv[0]).
type ExecAux struct {
	Path  []byte
	Phdr  uintptr
	Phnum int
	Entry uintptr
}

// BuildStack lays out the process entry stack in mem, which is the top
// len(mem) bytes of a stack ending at virtual address top. It returns the
// initial stack pointer (pointing at argc, 16-byte aligned), or 0 when mem
// is too small.
func BuildStack(mem []byte, top uintptr, in *StackInput) uintptr {
	base := top - uintptr(len(mem)) // virtual address of mem[0]
	pos := len(mem)
	put := func(b []byte) (uintptr, bool) {
		if pos < len(b)+1 {
			return 0, false
		}
		pos -= len(b) + 1
		copy(mem[pos:], b)
		mem[pos+len(b)] = 0
		return base + uintptr(pos), true
	}
	pos -= 16
	copy(mem[pos:], in.Random[:])
	random := base + uintptr(pos)

	o := in.Opts
	var argv [MaxArgs]uintptr
	var envp [MaxEnv]uintptr
	ok := true
	for i := 0; i < o.NArgs && ok; i++ {
		arg := in.Cmdline[o.Args[i].Start:o.Args[i].End]
		if i == 0 && in.Exec != nil {
			arg = in.Exec.Path
		}
		argv[i], ok = put(arg)
	}
	platform := uintptr(0)
	if in.Exec != nil && ok {
		platform, ok = put([]byte("x86_64"))
	}
	nEnv := o.NEnv
	for i := 0; i < nEnv && ok; i++ {
		envp[i], ok = put(in.Cmdline[o.Env[i].Start:o.Env[i].End])
	}
	if ok && in.MemoryLimit != 0 && nEnv < MaxEnv && !hasEnv(in.Cmdline, o, "GOMEMLIMIT=") {
		var b [len("GOMEMLIMIT=") + 20]byte
		envp[nEnv], ok = put(b[:formatEnvUint(&b, "GOMEMLIMIT=", in.MemoryLimit)])
		nEnv++
	}
	if !ok {
		return 0
	}
	execFn := uintptr(0)
	if o.NArgs > 0 {
		execFn = argv[0]
	}
	auxv := [...]uint64{
		atPageSz, 4096,
		atClkTck, 100,
		atHWCap, in.HWCap,
		atSecure, 0,
		atRandom, uint64(random),
		atExecFn, uint64(execFn),
		atSysinfoEhdr, uint64(in.SysinfoEhdr), // the runtime skips a 0
		atNull, 0,
	}
	n := len(auxv)
	if x := in.Exec; x != nil {
		exec := [...]uint64{
			atPhdr, uint64(x.Phdr), atPhent, 56, atPhnum, uint64(x.Phnum),
			atBase, 0, atFlags, 0, atEntry, uint64(x.Entry),
			atUID, 0, atEUID, 0, atGID, 0, atEGID, 0,
			atPlatform, uint64(platform),
		}
		var all [len(auxv) + len(exec)]uint64
		copy(all[:], exec[:])
		copy(all[len(exec):], auxv[:])
		return finishStack(mem, base, pos, o.NArgs, &argv, nEnv, &envp, all[:])
	}
	return finishStack(mem, base, pos, o.NArgs, &argv, nEnv, &envp, auxv[:n])
}

// finishStack writes argc, argv, envp and the auxiliary vector below pos
// and returns the stack pointer (0 when they do not fit).
func finishStack(mem []byte, base uintptr, pos, nArgs int, argv *[MaxArgs]uintptr, nEnv int, envp *[MaxEnv]uintptr, auxv []uint64) uintptr {
	words := 1 + nArgs + 1 + nEnv + 1 + len(auxv)
	pos = (pos - words*8) &^ 15
	if pos < 0 {
		return 0
	}
	w := pos
	putWord := func(v uint64) {
		for i := 0; i < 8; i++ { // little-endian; no encoding/binary, so unigo test can test that package
			mem[w+i] = byte(v >> (8 * i))
		}
		w += 8
	}
	putWord(uint64(nArgs))
	for i := 0; i < nArgs; i++ {
		putWord(uint64(argv[i]))
	}
	putWord(0)
	for i := 0; i < nEnv; i++ {
		putWord(uint64(envp[i]))
	}
	putWord(0)
	for _, v := range auxv {
		putWord(v)
	}
	return base + uintptr(pos)
}

// hasEnv reports whether the parsed environment has a variable starting
// with prefix (NAME=).
func hasEnv(cmdline []byte, o *Options, prefix string) bool {
	for i := 0; i < o.NEnv; i++ {
		if hasPrefix(cmdline[o.Env[i].Start:o.Env[i].End], prefix) {
			return true
		}
	}
	return false
}

// formatEnvUint writes NAME=value (value in decimal) into b and returns its
// length.
func formatEnvUint(b *[len("GOMEMLIMIT=") + 20]byte, name string, v uint64) int {
	n := copy(b[:], name)
	var digits [20]byte
	i := len(digits)
	for {
		i--
		digits[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return n + copy(b[n:], digits[i:])
}
