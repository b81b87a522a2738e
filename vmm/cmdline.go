package vmm

import (
	"fmt"
	"strings"
)

// Cmdline is what the guest kernel reads from its command line
// (docs/boot-contract.md): the app's arguments and environment, and raw
// kernel tokens such as "trace".
type Cmdline struct {
	Args   []string // os.Args of the app; Args[0] is its name
	Env    []string // KEY=VALUE pairs
	Tokens []string // raw tokens, passed as they are: "trace", "debug.kernelfault"
	Tmpfs  []string // more writable in-memory directories (absolute paths)
	Cwd    string   // the directory the app starts in (absolute); "": /
}

// Kernel tokens of docs/boot-contract.md.
const (
	TokenTrace       = "trace"             // print every system call on COM2
	TokenKernelFault = "debug.kernelfault" // fault in kernel mode at the first write (tests)
)

// String encodes the command line as the guest expects it: space-separated
// tokens, "arg=V" per argument and "env=K=V" per variable, with every byte of
// a value outside A-Za-z0-9._-/:,=+@ written as %XX.
func (c Cmdline) String() string {
	var toks []string
	for _, a := range c.Args {
		toks = append(toks, "arg="+encodeValue(a))
	}
	for _, e := range c.Env {
		toks = append(toks, "env="+encodeValue(e))
	}
	for _, t := range c.Tmpfs {
		toks = append(toks, "tmpfs="+encodeValue(t))
	}
	if c.Cwd != "" {
		toks = append(toks, "cwd="+encodeValue(c.Cwd))
	}
	toks = append(toks, c.Tokens...)
	return strings.Join(toks, " ")
}

// Validate reports a token that would not reach the guest as one token.
func (c Cmdline) Validate() error {
	for _, t := range c.Tokens {
		if t == "" || strings.ContainsAny(t, " \t\n") {
			return fmt.Errorf("kernel option %q is empty or contains white space: give one token per option", t)
		}
	}
	for _, t := range c.Tmpfs {
		if !strings.HasPrefix(t, "/") || strings.Trim(t, "/") == "" {
			return fmt.Errorf("tmpfs %q: give an absolute directory other than /", t)
		}
	}
	if c.Cwd != "" && !strings.HasPrefix(c.Cwd, "/") {
		return fmt.Errorf("working directory %q: give an absolute path", c.Cwd)
	}
	for _, e := range c.Env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return fmt.Errorf("environment variable %q is not KEY=VALUE", e)
		}
	}
	return nil
}

func encodeValue(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if plain(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func plain(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("._-/:,=+@", c) >= 0
}
