package linuxvm

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pierrec/lz4/v4"

	"unigo.dev/unigo/internal/cpio"
)

// tinyELF returns a minimal ELF64 x86-64 executable whose only program
// header is a PT_NOTE, holding the Xen PVH entry note when pvh is set.
func tinyELF(pvh bool) []byte {
	le := binary.LittleEndian
	var note []byte
	if pvh {
		note = make([]byte, 12+4+8)
		le.PutUint32(note[0:], 4)  // namesz ("Xen\0")
		le.PutUint32(note[4:], 8)  // descsz
		le.PutUint32(note[8:], 18) // XEN_ELFNOTE_PHYS32_ENTRY
		copy(note[12:], "Xen\x00")
		le.PutUint64(note[16:], 0x1000000)
	} else {
		note = make([]byte, 12+4)
		le.PutUint32(note[0:], 4)
		copy(note[12:], "GNU\x00")
	}
	b := make([]byte, 64+56, 64+56+len(note))
	copy(b, "\x7fELF\x02\x01\x01")
	le.PutUint16(b[16:], 2)  // ET_EXEC
	le.PutUint16(b[18:], 62) // EM_X86_64
	le.PutUint32(b[20:], 1)  // EV_CURRENT
	le.PutUint64(b[32:], 64) // e_phoff
	le.PutUint16(b[52:], 64) // e_ehsize
	le.PutUint16(b[54:], 56) // e_phentsize
	le.PutUint16(b[56:], 1)  // e_phnum
	le.PutUint16(b[58:], 64) // e_shentsize
	ph := b[64:]
	le.PutUint32(ph[0:], 4)                  // PT_NOTE
	le.PutUint64(ph[8:], 120)                // p_offset
	le.PutUint64(ph[32:], uint64(len(note))) // p_filesz
	le.PutUint64(ph[40:], uint64(len(note))) // p_memsz
	le.PutUint64(ph[48:], 4)                 // p_align
	return append(b, note...)
}

// fakeBzImage wraps payload (already compressed, with the decompressed size
// appended) in just enough of a bzImage for ExtractVmlinux.
func fakeBzImage(payload []byte) []byte {
	const setupSects = 2
	pm := (setupSects + 1) * 512
	b := make([]byte, pm+100+len(payload))
	b[0x1f1] = setupSects
	copy(b[0x202:], "HdrS")
	binary.LittleEndian.PutUint16(b[0x206:], 0x20f)
	binary.LittleEndian.PutUint32(b[0x248:], 100)
	binary.LittleEndian.PutUint32(b[0x24c:], uint32(len(payload)))
	copy(b[pm+100:], payload)
	return b
}

func withSize(compressed []byte, n int) []byte {
	return binary.LittleEndian.AppendUint32(compressed, uint32(n))
}

func TestExtractVmlinux(t *testing.T) {
	elfImg := tinyELF(true)
	// The decompressor's input is vmlinux.bin followed by the relocations.
	raw := append(append([]byte(nil), elfImg...), bytes.Repeat([]byte("relocs!!"), 100)...)

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()

	var lz bytes.Buffer
	lw := lz4.NewWriter(&lz)
	if err := lw.Apply(lz4.LegacyOption(true)); err != nil {
		t.Fatal(err)
	}
	lw.Write(raw)
	lw.Close()

	for _, tc := range []struct {
		name    string
		payload []byte
	}{
		{"gzip", withSize(gz.Bytes(), len(raw))},
		{"lz4", withSize(lz.Bytes(), len(raw))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, comp, err := ExtractVmlinux(fakeBzImage(tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			if comp != tc.name {
				t.Errorf("compression = %q, want %q", comp, tc.name)
			}
			if !bytes.Equal(got, elfImg) {
				t.Errorf("got %d bytes, want the %d-byte ELF without the relocations", len(got), len(elfImg))
			}
			if !HasPVHNote(got) {
				t.Error("PVH note not found")
			}
		})
	}
}

func TestExtractVmlinuxErrors(t *testing.T) {
	if _, _, err := ExtractVmlinux(make([]byte, 4096)); err == nil || !strings.Contains(err.Error(), "HdrS") {
		t.Errorf("not a bzImage: err = %v", err)
	}
	zstd := withSize([]byte{0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4}, 100)
	if _, comp, err := ExtractVmlinux(fakeBzImage(zstd)); !errors.Is(err, ErrUnsupportedCompression) || comp != "zstd" {
		t.Errorf("zstd payload: comp %q, err %v; want ErrUnsupportedCompression", comp, err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("not an ELF at all"))
	zw.Close()
	if _, _, err := ExtractVmlinux(fakeBzImage(withSize(gz.Bytes(), 17))); err == nil {
		t.Error("a payload that is not an ELF was accepted")
	}
	if _, _, err := ExtractVmlinux(fakeBzImage(withSize(gz.Bytes(), 99))); err == nil || !strings.Contains(err.Error(), "says 99") {
		t.Errorf("wrong size trailer: err = %v", err)
	}
	if HasPVHNote(tinyELF(false)) {
		t.Error("HasPVHNote found a note in an ELF without one")
	}
}

func TestWriteInitramfs(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "app")
	content := []byte("#!not really a program\x00\x01\x02")
	if err := os.WriteFile(bin, content, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteInitramfs(&buf, bin); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if len(b)%4 != 0 {
		t.Errorf("archive length %d is not a multiple of 4", len(b))
	}
	type entry struct {
		name string
		mode uint64
		data []byte
	}
	var ents []entry
	for off := 0; off < len(b); {
		h := b[off:]
		if len(h) < 110 || string(h[:6]) != "070701" {
			t.Fatalf("bad header at %d: %q", off, h[:min(len(h), 6)])
		}
		field := func(i int) uint64 {
			v, err := strconv.ParseUint(string(h[6+8*i:14+8*i]), 16, 32)
			if err != nil {
				t.Fatalf("field %d at %d: %v", i, off, err)
			}
			return v
		}
		mode, size, namesz := field(1), int(field(6)), int(field(11))
		name := string(h[110 : 110+namesz-1])
		dataOff := (110 + namesz + 3) &^ 3
		ents = append(ents, entry{name, mode, h[dataOff : dataOff+size]})
		off += dataOff + (size+3)&^3
		if name == "TRAILER!!!" {
			if off != len(b) {
				t.Errorf("%d bytes after the trailer", len(b)-off)
			}
			break
		}
	}
	if len(ents) != 2 || ents[0].name != "init" || ents[1].name != "TRAILER!!!" {
		t.Fatalf("entries = %+v, want init and the trailer only", ents)
	}
	if ents[0].mode != 0o100755 {
		t.Errorf("init mode = %o, want 100755", ents[0].mode)
	}
	if !bytes.Equal(ents[0].data, content) {
		t.Errorf("init data = %q, want %q", ents[0].data, content)
	}
}

func TestCommandLine(t *testing.T) {
	got := CommandLine(2596128)
	for _, want := range []string{"console=ttyS0", "quiet", "cryptomgr.notests", "panic=-1", "reboot=t", "tsc_early_khz=2596128"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("command line %q lacks %q", got, want)
		}
	}
	if strings.Contains(CommandLine(0), "tsc_early_khz") {
		t.Error("tsc_early_khz without a frequency")
	}
}

func TestHostTSCKHz(t *testing.T) {
	khz, src, err := HostTSCKHz()
	if err != nil {
		t.Skipf("host TSC unknown here: %v", err)
	}
	if khz < 100_000 || khz > 10_000_000 {
		t.Errorf("TSC %d kHz (from %s) is not a plausible CPU clock", khz, src)
	}
}

func TestWriteInitramfsFiles(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "app")
	mod := filepath.Join(dir, "m.ko")
	os.WriteFile(app, []byte("\x7fELF and more"), 0o755)
	os.WriteFile(mod, []byte("abc"), 0o644)
	var buf bytes.Buffer
	err := WriteInitramfsFiles(&buf, []File{{"init", app, 0o755}, {"modules/a/m.ko", mod, 0o644}, {"modules/b.ko", mod, 0o644}})
	if err != nil {
		t.Fatal(err)
	}
	hs, err := cpio.List(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hs {
		got = append(got, fmt.Sprintf("%s %o %d", h.Name, h.Mode, h.Size))
	}
	want := []string{"init 100755 13", "modules 40755 0", "modules/a 40755 0", "modules/a/m.ko 100644 3", "modules/b.ko 100644 3"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
