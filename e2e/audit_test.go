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
func TestKernelNeverAllocates(t *testing.T) {
	t.Parallel()
	img := image(t, "./examples/hello")
	out, err := exec.Command("go", "tool", "objdump", "-s", `^unigo\.dev/unigo/kernel`, img).Output()
	if err != nil {
		t.Fatalf("go tool objdump: %v", err)
	}
	forbidden := regexp.MustCompile(`CALL runtime\.(mallocgc|newobject|growslice|makeslice|makemap|mapassign|gcWriteBarrier|wbZero|wbMove|typedmemmove|typedslicecopy|convT|concatstring|slicebytetostring|stringtoslice|newproc|deferproc|gopanic)`)
	var fn string
	funcs := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "TEXT ") {
			fn = strings.Fields(line)[1]
			funcs++
			continue
		}
		if m := forbidden.FindString(line); m != "" {
			t.Errorf("%s: %s", fn, m)
		}
	}
	if funcs < 50 {
		t.Fatalf("objdump listed only %d kernel functions: the pattern no longer matches the kernel's symbols", funcs)
	}
}
