package e2e

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHelloOnBothMachines(t *testing.T) {
	img := image(t, "./examples/hello")
	for _, machine := range []string{"microvm", "pc"} {
		t.Run(machine, func(t *testing.T) {
			t.Parallel()
			r := run(t, img, "--machine", machine)
			r.expect(t, 0, "Hello from a unigo unikernel!\n")
			if r.stdout != "Hello from a unigo unikernel!\n" {
				t.Fatalf("stdout has more than the app printed: %q", r.stdout)
			}
		})
	}
}

func TestRunPackageBuildsFirst(t *testing.T) {
	t.Parallel()
	unigo(t, nil, "run", "./examples/hello").expect(t, 0, "Hello from a unigo unikernel!")
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	img := app(t, "exitcode")
	for _, code := range []int{0, 3, 200} {
		r := unigo(t, nil, "run", img, "--", strconv.Itoa(code))
		r.expect(t, code, "exiting with "+strconv.Itoa(code))
	}
}

func TestPanicIsGoPanic(t *testing.T) {
	t.Parallel()
	r := run(t, app(t, "panic"))
	r.expect(t, 2, "stderr:panic: something went wrong on purpose",
		"stderr:goroutine 1 [running]:", "stderr:main.main()", "stderr:deferred call ran")
	if strings.Contains(r.stderr, "kernel crash") {
		t.Fatalf("a Go panic must not look like a kernel crash:\n%v", r)
	}
}

func TestNilDereferenceIsGoPanic(t *testing.T) {
	t.Parallel()
	r := run(t, app(t, "nilderef"))
	r.expect(t, 2, "recovered: runtime error: invalid memory address or nil pointer dereference",
		"stderr:[signal SIGSEGV: segmentation violation code=0x1 addr=0x0", "stderr:main.deref")
	if strings.Contains(r.stderr, "kernel crash") {
		t.Fatalf("a nil dereference in the app must be a Go panic:\n%v", r)
	}
}

func TestKernelFaultGivesCrashReport(t *testing.T) {
	t.Parallel()
	r := run(t, image(t, "./examples/hello"), "--kernel-opt", "debug.kernelfault")
	r.expect(t, 122, "stderr:unigo: kernel crash: page fault in the kernel",
		"stderr:vector=14 (page fault)", "stderr:addr=0xdead0000", "stderr:backtrace",
		"stderr:syscalls.faultOnPurpose", "stderr:kernel/syscalls/fault_unsafe.go:")
}

func TestManyGoroutines(t *testing.T) {
	t.Parallel()
	run(t, app(t, "goroutines")).expect(t, 0, "hops=10000 total=49995000")
}

func TestPreemptionOfASpinningGoroutine(t *testing.T) {
	t.Parallel()
	run(t, app(t, "preempt")).expect(t, 0, "GOMAXPROCS 1", "main ran again; spinner made progress: true")
}

// The guest's monotonic clock and the host's clock agree on a 100 ms sleep.
// Not parallel: the host's view includes how promptly QEMU is scheduled, so
// the test runs alone and takes the best of three boots for that view.
func TestSleepMatchesHostClock(t *testing.T) {
	img := app(t, "sleep")
	best := time.Hour
	for attempt := 0; attempt < 3 && (best < 75*time.Millisecond || best > 125*time.Millisecond); attempt++ {
		r := run(t, img)
		r.expect(t, 0, "start", "slept_ns=")
		m := regexp.MustCompile(`slept_ns=(\d+)`).FindStringSubmatch(r.stdout)
		guest, _ := strconv.ParseInt(m[1], 10, 64)
		if guest < 75e6 || guest > 125e6 {
			t.Fatalf("the guest measured %v for a 100 ms sleep", time.Duration(guest))
		}
		var start, end time.Time
		for _, l := range r.lines {
			switch {
			case l.text == "start":
				start = l.at
			case strings.HasPrefix(l.text, "slept_ns="):
				end = l.at
			}
		}
		host := end.Sub(start)
		t.Logf("attempt %d: guest %v, host %v", attempt+1, time.Duration(guest), host)
		if d := host - 100*time.Millisecond; d.Abs() < (best - 100*time.Millisecond).Abs() {
			best = host
		}
	}
	if best < 75*time.Millisecond || best > 125*time.Millisecond {
		t.Fatalf("the host saw %v between the lines around a 100 ms sleep", best)
	}
}

func TestWallClockMatchesHost(t *testing.T) {
	t.Parallel()
	r := run(t, app(t, "clock"))
	r.expect(t, 0, "unix_ns=", "vdso clocks agree with clock_gettime")
	m := regexp.MustCompile(`unix_ns=(\d+)`).FindStringSubmatch(r.stdout)
	ns, _ := strconv.ParseInt(m[1], 10, 64)
	guest := time.Unix(0, ns)
	host := r.lines[0].at
	if d := guest.Sub(host); d < -2*time.Second || d > 2*time.Second {
		t.Fatalf("guest time %v is %v off the host's %v", guest, d, host)
	}
}

func TestAllocateAGigabyteIn64MiB(t *testing.T) {
	t.Parallel()
	run(t, app(t, "alloc"), "--memory", "64M").expect(t, 0, "allocated_mib=1024")
}

func TestCryptoRand(t *testing.T) {
	t.Parallel()
	r := run(t, app(t, "randomness"))
	r.expect(t, 0, "distinct=true")
	if !regexp.MustCompile(`random=[0-9a-f]{64} `).MatchString(r.stdout) {
		t.Fatalf("no random bytes:\n%v", r)
	}
}

func TestArgsAndEnv(t *testing.T) {
	t.Parallel()
	r := unigo(t, nil, "run", "--env", "GREETING=hi there!", "--env", "EMPTY=", app(t, "argsenv"), "--", "hello world", "x=%41")
	r.expect(t, 0, `args=["hello world" "x=%41"]`, `GREETING="hi there!"`, `EMPTY=""`)
}

func TestUnknownSyscallIsENOSYS(t *testing.T) {
	t.Parallel()
	run(t, app(t, "enosys")).expect(t, 0, "errno=38 (function not implemented)")
}

func TestTraceSyscalls(t *testing.T) {
	t.Parallel()
	r := run(t, image(t, "./examples/hello"), "--trace-syscalls")
	r.expect(t, 0, "Hello from a unigo unikernel!", "stderr:] arch_prctl(0x1002", "stderr:] write(0x1,", "stderr:] exit_group(0x0")
}

// The runtime reads the clocks through the kernel's vDSO: the only
// clock_gettime system calls are the two the app makes itself.
func TestClocksWithoutSystemCalls(t *testing.T) {
	t.Parallel()
	r := run(t, app(t, "clock"), "--trace-syscalls")
	r.expect(t, 0, "vdso clocks agree with clock_gettime")
	if n := strings.Count(r.stdout+r.stderr, "] clock_gettime("); n != 3 {
		t.Errorf("%d clock_gettime system calls, want the app's own 3\n%s", n, r.stderr)
	}
}

func TestBootsIn8MiB(t *testing.T) {
	t.Parallel()
	run(t, image(t, "./examples/hello"), "--memory", "8M").expect(t, 0, "Hello from a unigo unikernel!")
}

func TestFiles(t *testing.T) {
	t.Parallel()
	r := run(t, app(t, "files"), "--read-only")
	r.expect(t, 0, "ok WalkDir", "ok EROFS outside /tmp", "ok unlinked open file", "ok /proc/self/maps",
		"ok FIFO read", "ok FIFO stat", "all file checks passed")
}

func TestPipes(t *testing.T) {
	t.Parallel()
	run(t, app(t, "pipes")).expect(t, 0, "netpoller pipe: 1000000 bytes, same=true, err=<nil>",
		"deadline: true", `blocking pipe: "late hello" then 0 (EOF)`)
}

// unigo build --rootfs bakes a directory into the image as its /: writable
// in memory as a container's root, with HOME set as Docker sets it, or
// read-only with --read-only.
func TestBuildRootfs(t *testing.T) {
	t.Parallel()
	img := filepath.Join(t.TempDir(), "readroot.img")
	r := unigo(t, nil, "build", "--rootfs", "./e2e/testdata/rootfs", "-o", img, "./e2e/testdata/readroot")
	if r.code != 0 {
		t.Fatalf("build failed:\n%v", r)
	}
	run(t, img, "--read-only").expect(t, 0, `config: "greeting = hello from the image's root\n" err=<nil>`,
		"write refused with EROFS: true", "etc/passwd present: true")
	run(t, img).expect(t, 0, "write refused with EROFS: false", `config after the write: "rewritten" err=<nil>`,
		"state under HOME and /var/lib: <nil>", "HOME=/\n")
	run(t, img, "-e", "HOME=/home/app").expect(t, 0, "HOME=/home/app\n", "state under HOME and /var/lib: open /home/app/.app-state: no such file or directory")
}

// unigo.yaml's rootfs, files and tmpfs, and run --tmpfs.
func TestConfigRootAndTmpfs(t *testing.T) {
	t.Parallel()
	r := unigo(t, nil, "run", "--read-only", "--tmpfs", "/srv/state", "./e2e/testdata/configroot")
	r.expect(t, 0, `/etc/app/config.toml: "greeting = hello from the image's root\n" err=<nil>`,
		`/etc/app/extra.txt: "an extra file named in unigo.yaml\n" err=<nil>`,
		"root write refused with EROFS: true", "writable /var/cache: <nil>", "writable /srv/state: <nil>")
	unigo(t, nil, "run", "--tmpfs", "relative", "./e2e/testdata/configroot").expect(t, 125, "stderr:give an absolute directory")
}
