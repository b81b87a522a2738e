// Package boot turns what the loader handed over (the PVH start info and the
// command line) into what the Go runtime expects at its entry: a stack with
// argc, argv, envp and the auxiliary vector. It is plain Go so the host can
// test it; it never allocates, because it runs before the Go runtime exists.
package boot

// Limits on the command line the host passes (see docs/boot-contract.md).
const (
	MaxArgs = 256
	MaxEnv  = 256
)

// Span is a byte range [Start, End) of the command-line buffer.
type Span struct{ Start, End int32 }

// Options is the parsed command line. Strings are spans of the buffer that
// was parsed, decoded in place (offsets, not slices: no pointers to trace).
type Options struct {
	Args        [MaxArgs]Span
	NArgs       int
	Env         [MaxEnv]Span
	NEnv        int
	Trace       bool   // print every system call
	KernelFault bool   // fault in kernel mode at the first write (tests)
	BootTime    bool   // print how long each boot step took
	TSCHz       uint64 // the TSC frequency, when the host knows it (tsc_hz=)
	Cwd         Span   // the working directory (cwd=)
	ReadOnly    bool   // the image's root is read-only (root.ro; else writable, as a container's)
	Mounts      [MaxMounts]Mount
	NMounts     int
	Shares      [MaxMounts]Share // directories of the host (share=)
	NShares     int
	Tmpfs       [MaxMounts]Span // more writable in-memory directories (tmpfs=)
	NTmpfs      int
	Net         Net // the network card's configuration (net.* tokens)
}

// ParseCmdline splits buf into space-separated tokens and records arg=, env=
// and the kernel flags. Values are percent-decoded in place.
func ParseCmdline(buf []byte, o *Options) {
	i := 0
	for i < len(buf) {
		for i < len(buf) && (buf[i] == ' ' || buf[i] == 0) {
			i++
		}
		start := i
		for i < len(buf) && buf[i] != ' ' && buf[i] != 0 {
			i++
		}
		token(buf, start, i, o)
	}
}

func token(buf []byte, start, end int, o *Options) {
	tok := buf[start:end]
	switch {
	case hasPrefix(tok, "arg="):
		if o.NArgs < MaxArgs {
			o.Args[o.NArgs] = decode(buf, start+4, end)
			o.NArgs++
		}
	case hasPrefix(tok, "env="):
		if o.NEnv < MaxEnv {
			o.Env[o.NEnv] = decode(buf, start+4, end)
			o.NEnv++
		}
	case hasPrefix(tok, "tsc_hz="):
		o.TSCHz = parseUint(tok[len("tsc_hz="):])
	case hasPrefix(tok, "tmpfs="):
		if o.NTmpfs < MaxMounts {
			o.Tmpfs[o.NTmpfs] = decode(buf, start+len("tmpfs="), end)
			o.NTmpfs++
		}
	case hasPrefix(tok, "mount="):
		mountToken(buf, start+len("mount="), end, o)
	case hasPrefix(tok, "share="):
		shareToken(buf, start+len("share="), end, o)
	case hasPrefix(tok, "net."):
		netToken(buf, start, end, &o.Net)
	case hasPrefix(tok, "cwd="):
		o.Cwd = decode(buf, start+4, end)
	case equal(tok, "root.ro"):
		o.ReadOnly = true
	case equal(tok, "trace"):
		o.Trace = true
	case equal(tok, "debug.kernelfault"):
		o.KernelFault = true
	case equal(tok, "debug.boottime"):
		o.BootTime = true
	}
}

// decode percent-decodes buf[start:end] in place and returns the result's span.
func decode(buf []byte, start, end int) Span {
	w := start
	for r := start; r < end; r++ {
		c := buf[r]
		if c == '%' && r+2 < end {
			hi, ok1 := unhex(buf[r+1])
			lo, ok2 := unhex(buf[r+2])
			if ok1 && ok2 {
				c = hi<<4 | lo
				r += 2
			}
		}
		buf[w] = c
		w++
	}
	return Span{int32(start), int32(w)}
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && equal(b[:len(p)], p) }

func equal(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if b[i] != s[i] {
			return false
		}
	}
	return true
}

// parseUint parses a decimal number; it returns 0 on anything else.
func parseUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' || v > (1<<63)/10 {
			return 0
		}
		v = v*10 + uint64(c-'0')
	}
	return v
}

func hasSuffix(b []byte, p string) bool { return len(b) >= len(p) && equal(b[len(b)-len(p):], p) }
