package build

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const socketC = `#include <sys/socket.h>
int main(void) { return socket(AF_INET, SOCK_STREAM, 0) < 0; }
`

// The network stack goes into the kernel of a program that may use
// sockets: one whose symbols name a socket call, or one without symbols.
func TestUsesSockets(t *testing.T) {
	needTool(t, "musl-gcc", "musl-tools")
	dir := t.TempDir()
	plain := buildC(t, dir, "plain", "musl-gcc", "-static", "-O2")
	src := filepath.Join(dir, "socket.c")
	if err := os.WriteFile(src, []byte(socketC), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	if out, err := exec.Command("musl-gcc", "-static", "-O2", "-o", sock, src).CombinedOutput(); err != nil {
		t.Fatalf("musl-gcc: %v\n%s", err, out)
	}
	stripped := filepath.Join(dir, "plain-stripped")
	if out, err := exec.Command("musl-gcc", "-static", "-O2", "-s", "-o", stripped, filepath.Join(dir, "hello.c")).CombinedOutput(); err != nil {
		t.Fatalf("musl-gcc -s: %v\n%s", err, out)
	}
	goNoNet := buildGoStatic(t, filepath.Join(dir, "go"))
	for _, c := range []struct {
		prog string
		want bool
	}{{plain, false}, {sock, true}, {stripped, true}, {goNoNet, false}} {
		got, err := usesSockets(c.prog)
		if err != nil || got != c.want {
			t.Errorf("usesSockets(%s) = %v, %v; want %v", filepath.Base(c.prog), got, err, c.want)
		}
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
