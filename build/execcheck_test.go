package build

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needTool fails the test when cmd is not installed, naming the Debian
// package that has it: a missing compiler must not pass as a skipped test.
func needTool(t *testing.T, cmd, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(cmd); err != nil {
		t.Fatalf("%s is not installed: install the Debian package %s (.ci/setup does)", cmd, pkg)
	}
}

const helloC = `#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
	if (argc > 2 && argv[1][0] == 'r') return unlink(argv[2]) != 0;
	puts("hello from C");
	return argc > 1 ? 3 : 0;
}
`

// buildC compiles helloC with cc and args into dir/name.
func buildC(t *testing.T, dir, name, cc string, args ...string) string {
	t.Helper()
	src := filepath.Join(dir, "hello.c")
	if err := os.WriteFile(src, []byte(helloC), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command(cc, append(append([]string{}, args...), "-o", out, src)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", cc, args, err, b)
	}
	return out
}

// buildGoStatic builds a tiny Go program with CGO_ENABLED=0 in a module of
// its own under dir.
func buildGoStatic(t *testing.T, dir string) string {
	t.Helper()
	writeTree(t, dir, map[string]string{"go.mod": "module hello\n\ngo 1.22\n", "main.go": helloMain})
	out := filepath.Join(dir, "hello-go")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// patched writes a copy of src with patch applied to its bytes.
func patched(t *testing.T, src, name string, patch func([]byte) []byte) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(filepath.Dir(src), name)
	if err := os.WriteFile(out, patch(b), 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCheckStaticExecutableAccepts(t *testing.T) {
	needTool(t, "gcc", "gcc")
	needTool(t, "musl-gcc", "musl-tools")
	dir := t.TempDir()
	files := map[string]string{
		"gcc -static":         buildC(t, dir, "glibc-static", "gcc", "-static", "-O2"),
		"musl-gcc -static":    buildC(t, dir, "musl-static", "musl-gcc", "-static", "-O2"),
		"gcc -static-pie":     buildC(t, dir, "glibc-static-pie", "gcc", "-static-pie", "-O2"),
		"CGO_ENABLED=0 go":    buildGoStatic(t, t.TempDir()),
		"busybox (Debian)":    "/bin/busybox",
		"stripped static-pie": buildC(t, dir, "glibc-static-pie-stripped", "gcc", "-static-pie", "-s", "-O2"),
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Fatal("/bin/busybox is missing: install the Debian package busybox-static (.ci/setup does)")
	}
	for what, path := range files {
		if err := CheckStaticExecutable(path); err != nil {
			t.Errorf("%s: refused: %v", what, err)
		}
	}
}

func TestCheckStaticExecutableRefuses(t *testing.T) {
	needTool(t, "gcc", "gcc")
	needTool(t, "musl-gcc", "musl-tools")
	dir := t.TempDir()
	static := buildC(t, dir, "static", "musl-gcc", "-static", "-O2")
	st, _ := os.Stat(static)
	size := int(st.Size())
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	random := make([]byte, 4096)
	rand.New(rand.NewSource(1)).Read(random)
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	tw.WriteHeader(&tar.Header{Name: "x", Mode: 0o644, Size: 1})
	tw.Write([]byte("x"))
	tw.Close()
	objDir := t.TempDir()
	cmd := exec.Command("gcc", "-c", "-o", "hello.o", filepath.Join(dir, "hello.c"))
	cmd.Dir = objDir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc -c: %v\n%s", err, b)
	}
	setByte := func(off int, v byte) func([]byte) []byte {
		return func(b []byte) []byte { b[off] = v; return b }
	}

	cases := []struct {
		name string
		path string
		want []string
	}{
		{"dynamic", buildC(t, dir, "dynamic", "gcc", "-O2"),
			[]string{"is dynamically linked", "/lib64/ld-linux-x86-64.so.2", "libc.so.6", "CGO_ENABLED=0 go build", "gcc -static", "musl-gcc -static", "RUSTFLAGS='-C target-feature=+crt-static' cargo build"}},
		{"shared library", buildC(t, dir, "libhello.so", "gcc", "-shared", "-fPIC"),
			[]string{"is a shared library", "not a program"}},
		{"object file", filepath.Join(objDir, "hello.o"), []string{"relocatable object file", "gcc -static"}},
		{"truncated in a segment", patched(t, static, "trunc-half", func(b []byte) []byte { return b[:size/2] }),
			[]string{"truncated ELF file", "loadable segment", "copy or build it again"}},
		{"truncated at the end", patched(t, static, "trunc-end", func(b []byte) []byte { return b[:size-8] }),
			[]string{"truncated ELF file", "section header table"}},
		{"truncated header", patched(t, static, "trunc-head", func(b []byte) []byte { return b[:40] }),
			[]string{"truncated ELF file", "shorter than an ELF header"}},
		{"arm64", patched(t, static, "arm64", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[18:], 183); return b }),
			[]string{"is an ELF file for ARM64 (aarch64)", "GOARCH=amd64"}},
		{"riscv", patched(t, static, "riscv", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[18:], 243); return b }),
			[]string{"ELF file for RISC-V"}},
		{"32-bit", patched(t, static, "elf32", setByte(4, 1)), []string{"is a 32-bit ELF file", "64-bit x86-64"}},
		{"big-endian", patched(t, static, "msb", setByte(5, 2)), []string{"big-endian ELF file"}},
		{"FreeBSD", patched(t, static, "freebsd", setByte(7, 9)), []string{"x86-64 ELF file for FreeBSD", "Linux programs"}},
		{"core dump", patched(t, static, "core", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[16:], 4); return b }),
			[]string{"is a core dump"}},
		{"entry outside", patched(t, static, "noentry", func(b []byte) []byte { binary.LittleEndian.PutUint64(b[24:], 0x10); return b }),
			[]string{"entry point 0x10 is not in an executable segment"}},
		{"script", write("run.sh", []byte("#!/bin/sh\nexec /bin/app \"$@\"\n")),
			[]string{"is a script", "/bin/sh", "no shell", "static executable", "CGO_ENABLED=0 go build"}},
		{"env script", write("tool.py", []byte("#!/usr/bin/env python3\nprint(1)\n")), []string{"is a script", "/usr/bin/env python3"}},
		{"random bytes", write("random", random), []string{"not an executable (not an ELF file)"}},
		{"text", write("notes.txt", []byte("hello\n")), []string{"a text file, not an executable"}},
		{"tar", write("image.tar", tarball.Bytes()), []string{"a tar archive", "unigo build --from"}},
		{"empty", write("empty", nil), []string{"is empty"}},
		{"missing", filepath.Join(dir, "nope"), []string{"no such file"}},
		{"directory", dir, []string{"is a directory"}},
	}
	for _, c := range cases {
		err := CheckStaticExecutable(c.path)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, c.path) {
			t.Errorf("%s: the error does not start with the path: %s", c.name, msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: the error does not say %q: %s", c.name, w, msg)
			}
		}
		t.Logf("%s: %s", c.name, msg)
	}
}
