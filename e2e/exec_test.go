package e2e

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Unmodified static executables (issue 19): each test builds an ordinary
// program with its language's own compiler, makes an image of it with
// `unigo build --exec`, boots it and checks what the program printed and
// its exit code. The sources are in testdata/exec.

// execSource is the path of a source file of testdata/exec.
func execSource(name string) string {
	return filepath.Join(repoRoot, "e2e", "testdata", "exec", name)
}

// execTool finds a compiler or program the test needs, in PATH or at one of
// the other places given; without it the test fails, naming the package
// that has it: these tests must run, not skip.
func execTool(t *testing.T, name, pkg string, elsewhere ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range elsewhere {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	t.Fatalf("%s not found: the exec tests build and boot real programs with it; install %s", name, pkg)
	return ""
}

// compileProgram runs a compiler (in dir, with env added) and fails the
// test with its output if it fails.
func compileProgram(t *testing.T, dir string, env []string, tool string, args ...string) {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(tool), strings.Join(args, " "), err, out)
	}
}

// muslProgram builds the C source src static with Debian's musl-gcc and
// the optimisation flag opt, as a temporary directory's file name.
func muslProgram(t *testing.T, name, src, opt string) string {
	t.Helper()
	cc := execTool(t, "musl-gcc", "Debian's musl-tools (apt-get install musl-tools)")
	dir := t.TempDir()
	prog := filepath.Join(dir, name)
	compileProgram(t, dir, nil, cc, "-static", opt, "-o", prog, src)
	return prog
}

// execImage makes the image of the executable prog with `unigo build
// --exec` (and flags such as --rootfs), in a temporary directory.
func execImage(t *testing.T, prog string, flags ...string) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), filepath.Base(prog)+".img")
	args := append([]string{"build", "--exec", prog, "-o", img}, flags...)
	if r := unigo(t, nil, args...); r.code != 0 {
		t.Fatalf("unigo %s:\n%v", strings.Join(args, " "), r)
	}
	return img
}

// runExec boots an image with the program's arguments.
func runExec(t *testing.T, img string, args ...string) result {
	t.Helper()
	return unigoWithin(t, time.Minute, nil, append([]string{"run", img, "--"}, args...)...)
}

// lineTime is when the first stdout line starting with prefix arrived.
func (r result) lineTime(t *testing.T, prefix string) time.Time {
	t.Helper()
	for _, l := range r.lines {
		if strings.HasPrefix(l.text, prefix) {
			return l.at
		}
	}
	t.Fatalf("no line starting with %q:\n%v", prefix, r)
	return time.Time{}
}

// number is the decimal number after name= in the run's stdout.
func (r result) number(t *testing.T, name string) int64 {
	t.Helper()
	m := regexp.MustCompile(`\b` + name + `=(-?\d+)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no %s= in the output:\n%v", name, r)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// The same C program (testdata/exec/checks.c) linked static against musl
// and against glibc: arguments and exit codes, pthreads, malloc, files,
// nanosleep.
func TestExecC(t *testing.T) {
	t.Parallel()
	for _, libc := range []struct{ name, tool, pkg string }{
		{"musl", "musl-gcc", "Debian's musl-tools (apt-get install musl-tools)"},
		{"glibc", "gcc", "gcc and Debian's libc6-dev (apt-get install gcc libc6-dev)"},
	} {
		t.Run(libc.name, func(t *testing.T) {
			t.Parallel()
			cc := execTool(t, libc.tool, libc.pkg)
			dir := t.TempDir()
			prog := filepath.Join(dir, "checks-"+libc.name)
			compileProgram(t, dir, nil, cc, "-static", "-O2", "-pthread", "-o", prog, execSource("checks.c"))
			img := execImage(t, prog)
			guest := "/checks-" + libc.name

			t.Run("hello", func(t *testing.T) {
				r := runExec(t, img, "hello", "7", "two words", "x=%41")
				r.expect(t, 7, "argc=5\n", "argv[0]="+guest+"\n", "argv[1]=hello\n", "argv[2]=7\n", "argv[3]=two words\n",
					"argv[4]=x=%41\n", "exe="+guest+"\n", "exiting with 7\n")
				runExec(t, img, "hello", "0").expect(t, 0, "exiting with 0\n")
				runExec(t, img, "hello", "200").expect(t, 200, "exiting with 200\n")
			})
			t.Run("threads", func(t *testing.T) {
				runExec(t, img, "threads").expect(t, 0, "threads: counter=160000 waited=8 tls_ok=8\n")
			})
			t.Run("malloc", func(t *testing.T) {
				runExec(t, img, "malloc").expect(t, 0, "malloc: brk grew by 1048576, 1000 blocks of ",
					" bytes ok, 4 large ok, realloc to 16777216 in 19 steps ok\n")
			})
			t.Run("files", func(t *testing.T) {
				runExec(t, img, "files").expect(t, 0, "files: wrote, read back and stat'ed 300000 bytes; renamed, listed, removed\n")
			})
			t.Run("sleep", func(t *testing.T) { checkSleeps(t, img) })
		})
	}
}

// checkSleeps runs the C program's ten 50 ms nanosleeps: each as long as
// CLOCK_MONOTONIC says, the whole as long as the host's clock says
// (loosely: the machine runs other VMs), and CLOCK_REALTIME the host's time.
func checkSleeps(t *testing.T, img string) {
	t.Helper()
	start := time.Now()
	r := runExec(t, img, "sleep")
	wall := time.Since(start)
	r.expect(t, 0, "sleep start\n", "slept_ns=")
	guest := time.Duration(r.number(t, "slept_ns"))
	if shortest := time.Duration(r.number(t, "shortest_ns")); shortest < 50*time.Millisecond || guest < 500*time.Millisecond || guest > 3*time.Second {
		t.Fatalf("CLOCK_MONOTONIC: ten 50 ms nanosleeps took %v, the shortest %v\n%v", guest, shortest, r)
	}
	host := r.lineTime(t, "slept_ns=").Sub(r.lineTime(t, "sleep start"))
	t.Logf("ten 50 ms sleeps: guest %v, host %v between the lines, %v for the whole run", guest, host, wall)
	if host < 450*time.Millisecond || host > guest+2*time.Second || wall < host {
		t.Fatalf("the host saw %v between the lines around ten 50 ms sleeps the guest measured as %v (the whole run: %v)", host, guest, wall)
	}
	realtime := time.Unix(0, r.number(t, "realtime_ns"))
	if d := realtime.Sub(r.lineTime(t, "realtime_ns=")); d.Abs() > 2*time.Second {
		t.Fatalf("CLOCK_REALTIME %v is %v off the host's clock", realtime, d)
	}
}

// gcc -static-pie: the program relocates itself, loaded at a random base.
func TestExecStaticPIE(t *testing.T) {
	t.Parallel()
	cc := execTool(t, "gcc", "gcc and Debian's libc6-dev (apt-get install gcc libc6-dev)")
	dir := t.TempDir()
	prog := filepath.Join(dir, "checks-pie")
	compileProgram(t, dir, nil, cc, "-static-pie", "-O2", "-pthread", "-o", prog, execSource("checks.c"))
	img := execImage(t, prog)
	var mains []string
	for range 2 {
		r := runExec(t, img, "hello", "3", "pie")
		r.expect(t, 3, "argv[0]=/checks-pie\n", "argv[3]=pie\n", "exe=/checks-pie\n", "exiting with 3\n")
		m := regexp.MustCompile(`main=0x([0-9a-f]+)`).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("no address of main:\n%v", r)
		}
		if a, _ := strconv.ParseUint(m[1], 16, 64); a < 0x1000000 {
			t.Fatalf("main at %#x: a static-PIE program linked at 0 was not moved to a base\n%v", a, r)
		}
		mains = append(mains, m[1])
	}
	if mains[0] == mains[1] {
		t.Errorf("main at 0x%s in both boots: the base is not random", mains[0])
	}
	runExec(t, img, "threads").expect(t, 0, "threads: counter=160000 waited=8 tls_ok=8\n")
}

// A C program's SIGTERM handler runs on `unigo stop`, on an instance of a
// stored image: the handler's line is in the logs, the program's exit code
// in ps.
func TestExecSignal(t *testing.T) {
	t.Parallel()
	prog := muslProgram(t, "sigterm", execSource("sigterm.c"), "-O2")

	root, cwd := t.TempDir(), t.TempDir() // cwd: no file there shadows the image's name
	name := fmt.Sprintf("exec-sigterm-%d", time.Now().UnixNano())
	at := func(args ...string) result {
		t.Helper()
		return unigoAt(t, cwd, []string{"UNIGO_ROOT=" + root}, args...)
	}
	at("build", "--exec", prog, "-t", name).expect(t, 0)
	t.Cleanup(func() {
		at("rm", "-f", name)
		at("rmi", name)
		checkNoProcesses(t, root)
	})
	at("run", "-d", "--name", name, name).expect(t, 0, name+"\n")
	waitFor(t, "ready in the logs", 60*time.Second, func() bool {
		return strings.Contains(at("logs", name).stdout, "ready\n")
	})
	start := time.Now()
	at("stop", "--time", "20", name).expect(t, 0, name+"\n")
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("stop took %v: the handler should have ended the program at once", d)
	}
	at("logs", name).expect(t, 0, "ready\nhandler: got SIGTERM\nexiting with 42 after signal 15\n")
	if ps := at("ps", "-a"); !regexp.MustCompile(name + `\s.*exited \(42\)`).MatchString(ps.stdout) {
		t.Fatalf("ps -a does not show %s as exited (42):\n%v", name, ps)
	}
	at("rm", name).expect(t, 0, name+"\n")

	// sigsuspend: SIGTERM blocked but while it waits; the mask back after.
	at("run", "-d", "--name", name, name, "suspend").expect(t, 0, name+"\n")
	waitFor(t, "ready in the logs", 60*time.Second, func() bool {
		return strings.Contains(at("logs", name).stdout, "ready\n")
	})
	at("stop", "--time", "20", name).expect(t, 0, name+"\n")
	at("logs", name).expect(t, 0, "ready\nhandler: got SIGTERM\nSIGTERM blocked again: yes\nexiting with 42 after signal 15\n")
	at("rm", name).expect(t, 0, name+"\n")
	at("rmi", name).expect(t, 0)
}

// g++ -static: exceptions (also carried out of threads), std::thread,
// std::mutex, std::map, a global constructor.
func TestExecCxx(t *testing.T) {
	t.Parallel()
	cxx := execTool(t, "g++", "Debian's g++ (apt-get install g++)")
	dir := t.TempDir()
	prog := filepath.Join(dir, "checks-cxx")
	compileProgram(t, dir, nil, cxx, "-static", "-O2", "-pthread", "-o", prog, execSource("checks.cc"))
	r := runExec(t, execImage(t, prog))
	r.expect(t, 0, "global: constructed before main\n", "argv[0]=/checks-cxx argc=1\n",
		"caught: thrown from the bottom code=17\n", "threads: 1000 words, 30000 counted, first w0=30\n",
		"rethrown from a thread: thread 1\n", "rethrown from a thread: thread 5\n", "C++ checks passed\n")
}

// rustc with a static C runtime: arguments, threads sharing an
// Arc<Mutex>, files, a caught panic, the exit code.
func TestExecRust(t *testing.T) {
	t.Parallel()
	rustc := execTool(t, "rustc", "Rust (rustup, https://rustup.rs)", "/root/.cargo/bin/rustc")
	dir := t.TempDir()
	prog := filepath.Join(dir, "checks-rust")
	compileProgram(t, dir, nil, rustc, "-O", "-C", "target-feature=+crt-static", "--target", "x86_64-unknown-linux-gnu",
		"-o", prog, execSource("checks.rs"))
	r := runExec(t, execImage(t, prog), "3", "two words")
	r.expect(t, 3, `args=["/checks-rust", "3", "two words"]`+"\n", "exe=/checks-rust\n",
		"threads: sum=1399860000 pushed=80\n",
		`files: wrote 200000 read 200000 same=true size=200000 listed=["data.bin"]`+"\n",
		"removed: true\n", "panic caught: true\n", "exiting with 3\n")
}

// Go programs built by the go command alone (CGO_ENABLED=0), no unigo in
// them: a small program, and examples/hello, which must print what its
// linked image prints.
func TestExecGo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	goEnv := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOWORK=off"}
	gohello := filepath.Join(dir, "gohello")
	compileProgram(t, execSource("gohello"), goEnv, "go", "build", "-o", gohello, ".")
	hello := filepath.Join(dir, "hello")
	compileProgram(t, repoRoot, goEnv, "go", "build", "-o", hello, "./examples/hello")

	r := runExec(t, execImage(t, gohello), "5", "two words")
	r.expect(t, 5, `args=["/gohello" "5" "two words"]`+"\n", "exe=/gohello err=<nil>\n",
		"goroutines: sum=4950\n", "slept at least 50ms: true\n", "exiting with 5\n")

	plain := run(t, execImage(t, hello))
	linked := run(t, image(t, "./examples/hello"))
	plain.expect(t, 0)
	linked.expect(t, 0)
	if plain.stdout != linked.stdout || plain.stdout != "Hello from a unigo unikernel!\n" {
		t.Fatalf("examples/hello built by go build printed %q, its linked image %q", plain.stdout, linked.stdout)
	}
}

// A sample of the standard library's own test suites, built with plain go
// test -c (no unigo in them), each booted with its package directory as the
// image's root (the working directory, /: testdata is found as natively)
// and the memory unigo test gives the linked ones.
func TestExecGoTestSuites(t *testing.T) {
	t.Parallel()
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	for _, c := range []struct{ pkg, test, skip string }{
		{"strconv", "TestAtof", ""},
		{"sort", "TestSortLarge_Random", ""},
		{"unicode/utf8", "TestDecodeRune", ""},
		{"container/list", "TestList", ""},
		// Left out: the tests that serve HTTP (no network for unmodified
		// programs yet).
		{"encoding/json", "TestUnmarshalMaxDepth", "^TestHTTPDecoding$"},
		{"compress/gzip", "TestIssue6550", "^Example_compressingReader$"}, // reads testdata/
	} {
		t.Run(strings.ReplaceAll(c.pkg, "/", "_"), func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), filepath.Base(c.pkg)+".test")
			compileProgram(t, repoRoot, []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"}, "go", "test", "-c", "-o", bin, c.pkg)
			img := execImage(t, bin, "--rootfs", filepath.Join(strings.TrimSpace(string(goroot)), "src", filepath.FromSlash(c.pkg)))
			args := []string{"run", "--memory", "512M", img, "--", "-test.v"}
			if c.skip != "" {
				args = append(args, "-test.skip", c.skip)
			}
			r := unigoWithin(t, 3*time.Minute, nil, args...)
			if r.code != 0 || !strings.Contains(r.stdout, "--- PASS: "+c.test+" ") || !strings.HasSuffix(r.stdout, "\nPASS\n") {
				t.Fatalf("%s's tests: exit code %d\nstdout (failures and the last lines):\n%s\nstderr:\n%s", c.pkg, r.code, failuresAndTail(r.stdout), r.stderr)
			}
		})
	}
}

// failuresAndTail is what to show of a long go test -v output: the lines
// that tell of a failure, and the last 30.
func failuresAndTail(out string) string {
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var b strings.Builder
	for _, l := range lines {
		if strings.Contains(l, "FAIL") || strings.Contains(l, "panic:") {
			b.WriteString(l + "\n")
		}
	}
	b.WriteString("...\n")
	b.WriteString(strings.Join(lines[max(0, len(lines)-30):], "\n"))
	return b.String()
}

// Debian's busybox-static booted unmodified, its applets (those that need
// no fork) over a root the test makes, giving what they give natively.
func TestExecBusybox(t *testing.T) {
	t.Parallel()
	busybox := "/bin/busybox"
	if st, err := os.Stat(busybox); err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("%s not found: install Debian's busybox-static (apt-get install busybox-static)", busybox)
	}
	rootfs := t.TempDir()
	var text strings.Builder
	for i := range 3000 {
		sum := sha256.Sum256([]byte(strconv.Itoa(i)))
		fmt.Fprintf(&text, "%x line %d\n", sum[:6], i)
	}
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i*7 + i>>9)
	}
	os.Mkdir(filepath.Join(rootfs, "sub"), 0o755)
	files := map[string][]byte{
		"data.txt":       []byte(text.String()),
		"big.bin":        big,
		"sub/a.txt":      []byte("alpha\n"),
		"sub/b.txt":      []byte("beta beta\n"),
		"sub/empty":      nil,
		"sub/run.sh":     []byte("#!/bin/sh\necho hi\n"),
		"sub/zzz-last.c": []byte("int main(void) { return 0; }\n"),
	}
	when := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	for name, data := range files {
		p := filepath.Join(rootfs, filepath.FromSlash(name))
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		os.Chtimes(p, when, when)
	}
	img := execImage(t, busybox, "--rootfs", rootfs)

	// The same applet natively, in rootfs: the guest's working directory
	// is its root, so relative paths name the same files.
	native := func(args ...string) string {
		cmd := exec.Command(busybox, args...)
		cmd.Dir = rootfs
		cmd.Env = []string{"TZ=UTC", "LC_ALL=C"}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("busybox %s natively: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	for _, args := range [][]string{
		{"cat", "data.txt"},
		{"wc", "-c", "data.txt", "big.bin"},
		{"wc", "data.txt"},
		{"sha256sum", "data.txt", "big.bin", "sub/a.txt"},
		{"sort", "data.txt"},
		{"sort", "-r", "-k", "3", "-n", "data.txt"},
		{"ls", "-1", "sub"},
		{"ls", "-ln", "sub"},
		{"head", "-n", "5", "data.txt"},
	} {
		want := native(args...)
		r := runExec(t, img, args...)
		got := r.stdout
		if args[1] == "-ln" {
			got, want = lsLong(got), lsLong(want)
		}
		if r.code != 0 || got != want {
			t.Errorf("busybox %s: in the unikernel\n%v\nnatively:\n%s", strings.Join(args, " "), r, want)
		}
	}
	// ls / shows the root made from rootfs, with the program itself.
	r := runExec(t, img, "ls", "-1", "/")
	r.expect(t, 0, "busybox\n", "data.txt\n", "big.bin\n", "sub\n")
}

// lsLong is ls -ln's output without what depends on the host rather than
// on the files: the owner and group (the image's files are root's) and
// the total of blocks (each file system counts its own).
func lsLong(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		b.WriteString(strings.Join(append(f[:2:2], f[4:]...), " ") + "\n")
	}
	return b.String()
}

// A C program that dies of a signal ends as on Linux (128+N), and the
// crash report names the program's function at the faulting address, from
// the program's own symbols.
func TestExecCrash(t *testing.T) {
	t.Parallel()
	prog := muslProgram(t, "crash", execSource("crash.c"), "-O0")
	img := execImage(t, prog)
	r := runExec(t, img, "segv")
	r.expect(t, 139, "mode segv\n", "stderr:died of signal 11", "stderr:[main+0x")
	runExec(t, img, "abort").expect(t, 134, "mode abort\n")
	runExec(t, img, "stack").expect(t, 139)
}
