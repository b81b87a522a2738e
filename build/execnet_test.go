package build

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const socketC = `#include <sys/socket.h>
int main(void) { return socket(AF_INET, SOCK_STREAM, 0) < 0; }
`

// socketTableC calls socket only through a pointer in a static table: no
// instruction names socket, the table's data does.
const socketTableC = `#include <stdio.h>
#include <sys/socket.h>
typedef int (*opener)(int, int, int);
static opener table[] = {socket, 0};
int main(void) {
	volatile int i = 0;
	opener f = table[i];
	printf("%d\n", f ? f(AF_INET, SOCK_STREAM, 0) : -1);
	return 0;
}
`

// deadSocketC names socket in a function that nothing calls: the symbol
// table has socket, no reachable code calls it.
const deadSocketC = `#include <stdio.h>
#include <sys/socket.h>
int unused(void) { return socket(AF_INET, SOCK_STREAM, 0); }
int main(void) { puts("hello"); return 0; }
`

// compileC writes src to dir/name.c and compiles it with cc and args into
// dir/name.
func compileC(t *testing.T, dir, name, src, cc string, args ...string) string {
	t.Helper()
	file := filepath.Join(dir, name+".c")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	if b, err := exec.Command(cc, append(args, "-o", out, file)...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", cc, args, err, b)
	}
	return out
}

// rustHello builds examples/exec/hello.rs static against glibc, as its
// comment says; without rustc the test fails, naming it.
func rustHello(t *testing.T, dir string) string {
	t.Helper()
	rustc, err := exec.LookPath("rustc")
	if err != nil {
		home, _ := os.UserHomeDir()
		if rustc = filepath.Join(home, ".cargo", "bin", "rustc"); !isExecutable(rustc) {
			t.Fatal("rustc is not installed: install Rust (rustup, https://rustup.rs; .ci/setup does)")
		}
	}
	out := filepath.Join(dir, "hello-rs")
	cmd := exec.Command(rustc, "-O", "-C", "target-feature=+crt-static", "--target", "x86_64-unknown-linux-gnu",
		"-o", out, filepath.Join("..", "examples", "exec", "hello.rs"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rustc: %v\n%s", err, b)
	}
	return out
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// The network stack goes into the kernel of a program that may use
// sockets: one whose code can reach a socket call, or one without symbols.
// glibc's static archive brings socket into programs that never call it
// (a Rust hello): only the reachable code counts.
func TestUsesSockets(t *testing.T) {
	needTool(t, "musl-gcc", "musl-tools")
	needTool(t, "gcc", "gcc")
	dir := t.TempDir()
	musl := []string{"-static", "-O2"}
	cases := []struct {
		prog string
		want bool
	}{
		{buildC(t, dir, "plain", "musl-gcc", musl...), false},
		{compileC(t, dir, "sock", socketC, "musl-gcc", musl...), true},
		{compileC(t, dir, "sock-table", socketTableC, "musl-gcc", musl...), true},
		{compileC(t, dir, "sock-dead", deadSocketC, "musl-gcc", musl...), false},
		{buildC(t, dir, "plain-stripped", "musl-gcc", "-static", "-O2", "-s"), true},
		// glibc's hello has no socket at all: stdio does not link it.
		{buildC(t, dir, "glibc", "gcc", musl...), false},
		{compileC(t, dir, "glibc-sock", socketC, "gcc", musl...), true},
		{compileC(t, dir, "glibc-sock-table", socketTableC, "gcc", musl...), true},
		{compileC(t, dir, "glibc-sock-dead", deadSocketC, "gcc", musl...), false},
		{compileC(t, dir, "glibc-pie-sock-table", socketTableC, "gcc", "-static-pie", "-O2"), true},
		{compileC(t, dir, "glibc-pie-sock-dead", deadSocketC, "gcc", "-static-pie", "-O2"), false},
		{rustHello(t, dir), false},
		{buildGoStatic(t, filepath.Join(dir, "go")), false},
	}
	for _, c := range cases {
		start := time.Now()
		got, err := usesSockets(c.prog)
		if err != nil || got != c.want {
			t.Errorf("usesSockets(%s) = %v, %v; want %v", filepath.Base(c.prog), got, err, c.want)
		}
		t.Logf("%s: %v in %v", filepath.Base(c.prog), got, time.Since(start).Round(time.Millisecond))
	}
	for name, want := range map[string]bool{
		"socket": true, "__socket": true, "socketpair": true, "syscall.Socket": true, "posix.socket": true,
		"socket@@GLIBC_2.2.5": true, "net.(*conn).Read": false, "getsockopt": false, "unix_socketcall_x": false,
	} {
		if got := socketSymbol.MatchString(name); got != want {
			t.Errorf("socketSymbol(%q) = %v, want %v", name, got, want)
		}
	}
}

// --net-stack (ExecOptions.NetStack), or net_stack: true in the unigo.yaml
// beside the program, gives a program that names no socket call the
// kernel with the network stack; a Go package's unigo.yaml may not ask for
// it (its image has the stack when it imports net).
func TestExecNetStackOption(t *testing.T) {
	needTool(t, "musl-gcc", "musl-tools")
	isolateCache(t)
	_, withNet, _ := kernelFiles(fakeKernel, kernelModuleFor(true))
	_, without, _ := kernelFiles(fakeKernel, kernelModuleFor(false))
	dir := t.TempDir()
	prog := buildC(t, dir, "prog", "musl-gcc", "-static", "-O2")
	for _, c := range []struct {
		name   string
		opts   ExecOptions
		config string
		kernel string
	}{
		{"plain", ExecOptions{}, "", without},
		{"flag", ExecOptions{NetStack: true}, "", withNet},
		{"unigo.yaml", ExecOptions{}, "net_stack: true\n", withNet},
	} {
		if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(c.config), 0o644); err != nil {
			t.Fatal(err)
		}
		var progress bytes.Buffer
		c.opts.Program, c.opts.Output, c.opts.Progress, c.opts.Kernel = prog, filepath.Join(dir, c.name+".img"), &progress, fakeKernel
		res, err := Exec(context.Background(), c.opts)
		if err != nil {
			t.Fatalf("%s: Exec: %v\n%s", c.name, err, progress.String())
		}
		noNet := strings.Contains(progress.String(), "no network stack")
		if res.Kernel != "sha256:"+c.kernel || noNet != (c.kernel == without) {
			t.Errorf("%s: kernel %s, want sha256:%s (with the stack: %v); progress:\n%s", c.name, res.Kernel, c.kernel, c.kernel == withNet, progress.String())
		}
	}

	app := appModule(t)
	writeTree(t, app, map[string]string{"cmd/hello/" + ConfigFile: "net_stack: true\n"})
	_, err := Build(context.Background(), Options{Package: "./cmd/hello", Dir: app, Kernel: fakeKernel})
	if err == nil || !strings.Contains(err.Error(), "net_stack is for unmodified executables") {
		t.Errorf("Build of a Go package with net_stack: %v; want it refused", err)
	}
}
