package build

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"
)

// staticBuilds says how each toolchain links a static executable.
const staticBuilds = "Go: CGO_ENABLED=0 go build; C or C++: gcc -static, or musl-gcc -static (Debian's musl-tools); " +
	"Rust: RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu"

// howToLinkStatically is what every refusal of a dynamic program ends with.
const howToLinkStatically = "link it statically — " + staticBuilds

// howToBuildForX86 ends the refusals of programs built for another machine.
const howToBuildForX86 = "build it for 64-bit x86-64 Linux, linked statically — Go: CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build; " +
	"C or C++: gcc -static on x86-64 (or x86_64-linux-gnu-gcc -static); " +
	"Rust: RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu"

// CheckStaticExecutable says whether the file at path can boot as an
// unmodified static x86-64 Linux executable: the kernel maps its PT_LOAD
// segments and jumps to its entry, and nothing else in a unikernel can help
// — no dynamic loader, no shared libraries, no shell. It returns nil, or one
// error that starts with path, says what the file is and what to do instead,
// so that a wrong file is refused at build time rather than crashing the
// guest.
//
// Accepted: 64-bit little-endian x86-64 ELF files for Linux, ET_EXEC or
// ET_DYN without an interpreter (static-PIE), whose headers and PT_LOAD
// segments lie inside the file and whose entry is in an executable segment.
func CheckStaticExecutable(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		var pe *fs.PathError
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: no such file: give the path of a static x86-64 Linux executable", path)
		} else if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%s: %v", path, err)
	}
	if st.IsDir() {
		return fmt.Errorf("%s is a directory, not an executable: give the program's file (a Go package's source is built with unigo build PKG instead)", path)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%v): give a static x86-64 Linux executable", path, st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return checkELF(path, f, st.Size())
}

// checkELF is CheckStaticExecutable on the open file r of size bytes.
func checkELF(path string, r io.ReaderAt, size int64) error {
	head := make([]byte, 512)
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return fmt.Errorf("%s: %v", path, err)
	}
	head = head[:n]
	switch {
	case n == 0:
		return fmt.Errorf("%s is empty, not an executable", path)
	case bytes.HasPrefix(head, []byte("#!")):
		return scriptError(path, head)
	case !bytes.HasPrefix(head, []byte(elf.ELFMAG)):
		return fmt.Errorf("%s is %s: give a static x86-64 Linux executable", path, describeNonELF(head))
	case n < elf.EI_NIDENT+2:
		return fmt.Errorf("%s is a truncated ELF file (%d bytes, shorter than an ELF header): copy it again", path, size)
	}
	if err := checkIdent(path, head); err != nil {
		return err
	}
	if n < binary.Size(elf.Header64{}) {
		return fmt.Errorf("%s is a truncated ELF file (%d bytes, shorter than an ELF header): copy it again", path, size)
	}
	var h elf.Header64
	binary.Read(bytes.NewReader(head), binary.LittleEndian, &h)
	switch elf.Type(h.Type) {
	case elf.ET_EXEC, elf.ET_DYN:
	case elf.ET_REL:
		return fmt.Errorf("%s is a relocatable object file (.o), not an executable: link it into a program first, e.g. gcc -static -o prog %s", path, path)
	case elf.ET_CORE:
		return fmt.Errorf("%s is a core dump, not a program: give the executable itself", path)
	default:
		return fmt.Errorf("%s is an ELF file of type %#x, not an executable: give a static x86-64 Linux executable", path, h.Type)
	}
	return checkSegments(path, r, size, &h)
}

// checkIdent refuses ELF files for another machine, word size, byte order or
// operating system, naming what the file was built for.
func checkIdent(path string, head []byte) error {
	class, data, osabi := elf.Class(head[elf.EI_CLASS]), elf.Data(head[elf.EI_DATA]), elf.OSABI(head[elf.EI_OSABI])
	var order binary.ByteOrder
	switch data {
	case elf.ELFDATA2LSB:
		order = binary.LittleEndian
	case elf.ELFDATA2MSB:
		order = binary.BigEndian
	default:
		return fmt.Errorf("%s is a damaged ELF file (byte order %d): give a static x86-64 Linux executable", path, data)
	}
	if class != elf.ELFCLASS32 && class != elf.ELFCLASS64 {
		return fmt.Errorf("%s is a damaged ELF file (class %d): give a static x86-64 Linux executable", path, class)
	}
	machine := elf.Machine(order.Uint16(head[18:20]))
	var what []string
	if class == elf.ELFCLASS32 {
		what = append(what, "32-bit")
	}
	if data == elf.ELFDATA2MSB {
		what = append(what, "big-endian")
	}
	what = append(what, "ELF file for "+machineName(machine))
	if machine != elf.EM_X86_64 || class != elf.ELFCLASS64 || data != elf.ELFDATA2LSB {
		article := "a"
		if what[0] == "ELF file for "+machineName(machine) {
			article = "an"
		}
		return fmt.Errorf("%s is %s %s: unigo boots 64-bit x86-64 (amd64) Linux programs: %s", path, article, strings.Join(what, " "), howToBuildForX86)
	}
	if osabi != elf.ELFOSABI_NONE && osabi != elf.ELFOSABI_LINUX {
		return fmt.Errorf("%s is an x86-64 ELF file for %s: unigo boots Linux programs: %s", path, osabiName(osabi), howToBuildForX86)
	}
	return nil
}

// checkSegments checks the program headers of an x86-64 ELF executable:
// no interpreter, no shared libraries, every PT_LOAD inside the file and
// loadable at its address, the entry in an executable one.
func checkSegments(path string, r io.ReaderAt, size int64, h *elf.Header64) error {
	truncated := func(what string, end uint64) error {
		return fmt.Errorf("%s is a truncated ELF file: %s ends at byte %d, but the file has %d bytes: copy or build it again (an interrupted download or copy?)", path, what, end, size)
	}
	const progSize = 56 // binary.Size(elf.Prog64{})
	if h.Phnum == 0 {
		return fmt.Errorf("%s is an ELF file without program headers, not an executable: give a static x86-64 Linux executable", path)
	}
	if h.Phentsize != progSize {
		return fmt.Errorf("%s is a damaged ELF file (program headers of %d bytes, not %d): give a static x86-64 Linux executable", path, h.Phentsize, progSize)
	}
	phEnd := h.Phoff + uint64(h.Phnum)*progSize
	if phEnd < h.Phoff || phEnd > uint64(size) {
		return truncated("its program header table", phEnd)
	}
	table := make([]byte, phEnd-h.Phoff)
	if _, err := r.ReadAt(table, int64(h.Phoff)); err != nil {
		return fmt.Errorf("%s: reading the program headers: %v", path, err)
	}
	progs := make([]elf.Prog64, h.Phnum)
	binary.Read(bytes.NewReader(table), binary.LittleEndian, progs)

	var interp string
	var dynamic *elf.Prog64
	for i := range progs {
		p := &progs[i]
		end := p.Off + p.Filesz
		inFile := end >= p.Off && end <= uint64(size)
		switch elf.ProgType(p.Type) {
		case elf.PT_INTERP:
			if !inFile {
				return truncated("its interpreter's name", end)
			}
			b := make([]byte, p.Filesz)
			r.ReadAt(b, int64(p.Off))
			interp = string(bytes.TrimRight(b, "\x00"))
		case elf.PT_DYNAMIC:
			if inFile {
				dynamic = p
			}
		case elf.PT_LOAD:
			if !inFile {
				return truncated(fmt.Sprintf("its loadable segment %d (at %#x)", i, p.Vaddr), end)
			}
			if p.Filesz > p.Memsz || p.Vaddr+p.Memsz < p.Vaddr {
				return fmt.Errorf("%s is a damaged ELF file: loadable segment %d has %d bytes in the file but %d in memory", path, i, p.Filesz, p.Memsz)
			}
			if (p.Vaddr-p.Off)%4096 != 0 {
				return fmt.Errorf("%s is a damaged ELF file: loadable segment %d's file offset %#x and address %#x are not at the same place in a page, so it cannot be mapped", path, i, p.Off, p.Vaddr)
			}
		}
	}
	needed := neededLibraries(r, progs, dynamic)
	if interp != "" {
		libs := ""
		if len(needed) > 0 {
			libs = " and the shared libraries " + strings.Join(needed, ", ")
		}
		return fmt.Errorf("%s is dynamically linked: it needs the dynamic loader %s%s, which a unikernel does not have: %s", path, interp, libs, howToLinkStatically)
	}
	if elf.Type(h.Type) == elf.ET_DYN && (h.Entry == 0 || len(needed) > 0) {
		what := "a shared library"
		if len(needed) > 0 {
			what += " (it needs " + strings.Join(needed, ", ") + ")"
		}
		return fmt.Errorf("%s is %s, not a program: give the executable that uses it, and %s", path, what, howToLinkStatically)
	}
	if len(needed) > 0 {
		return fmt.Errorf("%s needs the shared libraries %s but names no dynamic loader: a unikernel has neither: %s", path, strings.Join(needed, ", "), howToLinkStatically)
	}
	if h.Shoff != 0 && h.Shnum != 0 {
		shEnd := h.Shoff + uint64(h.Shnum)*uint64(h.Shentsize)
		if shEnd < h.Shoff || shEnd > uint64(size) {
			return truncated("its section header table", shEnd)
		}
	}
	loads := 0
	for _, p := range progs {
		if elf.ProgType(p.Type) != elf.PT_LOAD {
			continue
		}
		loads++
		if elf.ProgFlag(p.Flags)&elf.PF_X != 0 && h.Entry >= p.Vaddr && h.Entry < p.Vaddr+p.Memsz {
			return nil
		}
	}
	if loads == 0 {
		return fmt.Errorf("%s is an ELF file without loadable segments, not an executable: give a static x86-64 Linux executable", path)
	}
	return fmt.Errorf("%s is a damaged ELF file: its entry point %#x is not in an executable segment", path, h.Entry)
}

// neededLibraries reads the DT_NEEDED names of the dynamic segment: the
// shared libraries a program or library asks the loader for. An entry whose
// name cannot be read is "?".
func neededLibraries(r io.ReaderAt, progs []elf.Prog64, dynamic *elf.Prog64) []string {
	if dynamic == nil {
		return nil
	}
	b := make([]byte, dynamic.Filesz)
	if _, err := r.ReadAt(b, int64(dynamic.Off)); err != nil {
		return nil
	}
	var strtab uint64
	var offsets []uint64
	for ; len(b) >= 16; b = b[16:] {
		tag, val := elf.DynTag(binary.LittleEndian.Uint64(b)), binary.LittleEndian.Uint64(b[8:])
		if tag == elf.DT_NULL {
			break
		}
		switch tag {
		case elf.DT_NEEDED:
			offsets = append(offsets, val)
		case elf.DT_STRTAB:
			strtab = val
		}
	}
	names := make([]string, 0, len(offsets))
	for _, off := range offsets {
		names = append(names, readString(r, progs, strtab+off))
	}
	return names
}

// readString reads the NUL-terminated string at the virtual address addr,
// through the PT_LOAD segment that holds it; "?" when none does.
func readString(r io.ReaderAt, progs []elf.Prog64, addr uint64) string {
	for _, p := range progs {
		if elf.ProgType(p.Type) != elf.PT_LOAD || addr < p.Vaddr || addr >= p.Vaddr+p.Filesz {
			continue
		}
		b := make([]byte, min(256, p.Vaddr+p.Filesz-addr))
		n, _ := r.ReadAt(b, int64(p.Off+addr-p.Vaddr))
		if i := bytes.IndexByte(b[:n], 0); i > 0 {
			return string(b[:i])
		}
	}
	return "?"
}

// scriptError refuses a script, naming the interpreter its #! line asks for.
func scriptError(path string, head []byte) error {
	line, _, _ := bytes.Cut(head[2:], []byte("\n"))
	interp := strings.TrimSpace(string(line))
	if interp == "" {
		interp = "a shell"
	}
	return fmt.Errorf("%s is a script: it needs %s (its first line) to run it, and a unikernel has no shell or any other program besides its one: "+
		"build the program itself as a static executable and give that — %s", path, interp, staticBuilds)
}

// describeNonELF names what a file that is not ELF looks like, from its
// first bytes, with a hint when the right input is something else.
func describeNonELF(head []byte) string {
	has := func(magic string) bool { return bytes.HasPrefix(head, []byte(magic)) }
	switch {
	case len(head) > 262 && string(head[257:262]) == "ustar":
		return "a tar archive, not an executable (a container image? unigo build --from takes those)"
	case has("MZ"):
		return "a Windows (PE) program, not a Linux executable"
	case has("\xcf\xfa\xed\xfe"), has("\xce\xfa\xed\xfe"), has("\xfe\xed\xfa\xcf"):
		return "a macOS (Mach-O) program, not a Linux executable"
	case has("\xca\xfe\xba\xbe"):
		return "a macOS universal binary or a Java class file, not a Linux executable"
	case has("!<arch>\n"):
		return "a static library (ar archive), not an executable: link it into a program first"
	case has("\x00asm"):
		return "a WebAssembly module, not a Linux executable"
	case has("\x1f\x8b"):
		return "a gzip-compressed file, not an executable: uncompress it first"
	case has("PK\x03\x04"):
		return "a zip archive, not an executable"
	case utf8.Valid(head) && bytes.IndexByte(head, 0) < 0:
		return "a text file, not an executable"
	}
	return "not an executable (not an ELF file)"
}

// machineName names an ELF machine as people say it.
func machineName(m elf.Machine) string {
	switch m {
	case elf.EM_X86_64:
		return "x86-64"
	case elf.EM_386:
		return "x86 (i386)"
	case elf.EM_AARCH64:
		return "ARM64 (aarch64)"
	case elf.EM_ARM:
		return "32-bit ARM"
	case elf.EM_RISCV:
		return "RISC-V"
	case elf.EM_PPC64:
		return "POWER (ppc64)"
	case elf.EM_PPC:
		return "PowerPC"
	case elf.EM_S390:
		return "IBM Z (s390x)"
	case elf.EM_MIPS:
		return "MIPS"
	case elf.EM_LOONGARCH:
		return "LoongArch"
	case elf.EM_SPARCV9, elf.EM_SPARC:
		return "SPARC"
	}
	return fmt.Sprintf("another machine (e_machine %d)", uint16(m))
}

// osabiName names the operating system of an ELF file's OS/ABI byte.
func osabiName(o elf.OSABI) string {
	switch o {
	case elf.ELFOSABI_FREEBSD:
		return "FreeBSD"
	case elf.ELFOSABI_NETBSD:
		return "NetBSD"
	case elf.ELFOSABI_OPENBSD:
		return "OpenBSD"
	case elf.ELFOSABI_SOLARIS:
		return "Solaris"
	}
	return fmt.Sprintf("another operating system (OS/ABI %d)", uint8(o))
}
