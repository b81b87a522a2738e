package e2e

import (
	"bufio"
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// Kernel code runs on trap paths as a fake goroutine with no M or P: it must
// never allocate, grow a map, or take the GC's write barrier (it stores no
// pointers in the heap or globals). This reads the linked image and fails on
// any call from a kernel function into the runtime's allocator or barriers.
// Two images: one without the network, one with it, whose network stack
// (kernel/netstack, the heap side: goroutines in the app's runtime) is
// ordinary Go and may allocate, while the sockets on the trap side
// (kernel/sockets) may not.
func TestKernelNeverAllocates(t *testing.T) {
	t.Parallel()
	for _, pkg := range []string{"./examples/hello", "./e2e/testdata/loopnet"} {
		t.Run(strings.Trim(pkg, "./"), func(t *testing.T) {
			t.Parallel()
			auditImage(t, image(t, pkg))
		})
	}
}

// heapSide names the kernel packages that are not kernel code on trap
// paths: their functions may allocate.
var heapSide = regexp.MustCompile(`^unigo\.dev/unigo/kernel/netstack[.(]`)

func auditImage(t *testing.T, img string) {
	out, err := exec.Command("go", "tool", "objdump", "-s", `^unigo\.dev/unigo/kernel`, img).Output()
	if err != nil {
		t.Fatalf("go tool objdump: %v", err)
	}
	forbidden := regexp.MustCompile(`CALL runtime\.(mallocgc|newobject|growslice|makeslice|makemap|mapassign|gcWriteBarrier|wbZero|wbMove|typedmemmove|typedslicecopy|convT|concatstring|slicebytetostring|stringtoslice|newproc|deferproc|gopanic)`)
	var fn string
	funcs, heap := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "TEXT ") {
			fn = strings.Fields(line)[1]
			if heapSide.MatchString(fn) {
				heap++
			} else {
				funcs++
			}
			continue
		}
		if heapSide.MatchString(fn) {
			continue
		}
		if m := forbidden.FindString(line); m != "" {
			t.Errorf("%s: %s", fn, m)
		}
	}
	if funcs < 50 {
		t.Fatalf("objdump listed only %d kernel functions: the pattern no longer matches the kernel's symbols", funcs)
	}
	t.Logf("%d kernel functions audited, %d of the network stack (heap side) left out", funcs, heap)
}

// Trap-side kernel packages import only unsafe, math/bits and each other:
// anything else could allocate, lock or park behind the kernel's back. The
// network stack (kernel/netstack) is the heap side and the one exception;
// no trap-side package may import it.
func TestKernelImports(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "unigo.dev/unigo/kernel/...")
	cmd.Dir = repoRoot
	cmd.Env = append(cmd.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if heapSide.MatchString(f[0] + ".") {
			continue
		}
		for _, imp := range f[1:] {
			kernel := strings.HasPrefix(imp, "unigo.dev/unigo/kernel")
			if imp != "unsafe" && imp != "math/bits" && (!kernel || heapSide.MatchString(imp+".")) {
				t.Errorf("%s imports %s: trap-side kernel packages import only unsafe, math/bits and other trap-side kernel packages", f[0], imp)
			}
		}
	}
}
