package ext2

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// Kernel code must never allocate, grow a map, panic through the runtime
// or take the GC's write barrier (it runs with no M or P). The e2e audit
// checks the linked kernel; this checks the package now, in its test
// binary (same compiler, same optimisations; go test's own is stripped):
// no call from a function of a non-test file, here or in the block cache
// (package cache), into the runtime's allocator or barriers.
func TestNeverAllocates(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "ext2.test")
	if out, err := exec.Command(goCmd, "test", "-c", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go test -c: %v\n%s", err, out)
	}
	cmd := exec.Command(goCmd, "tool", "objdump", "-s", `^unigo\.dev/unigo/kernel/fs/ext2(/cache|/layout)?\.`, bin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go tool objdump: %v\n%s", err, stderr.Bytes())
	}
	forbidden := regexp.MustCompile(`CALL runtime\.(mallocgc|newobject|growslice|makeslice|makemap|mapassign|gcWriteBarrier|wbZero|wbMove|typedmemmove|typedslicecopy|convT|concatstring|slicebytetostring|stringtoslice|newproc|deferproc|gopanic)`)
	var fn string
	inTest := false
	funcs := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "TEXT ") {
			f := strings.Fields(line)
			fn = f[1]
			inTest = strings.HasSuffix(f[len(f)-1], "_test.go")
			if !inTest {
				funcs++
			}
			continue
		}
		if inTest {
			continue
		}
		if m := forbidden.FindString(line); m != "" {
			t.Errorf("%s: %s\n%s", fn, m, line)
		}
	}
	if funcs < 50 {
		t.Fatalf("objdump listed only %d functions of the package: the pattern no longer matches", funcs)
	}
}
