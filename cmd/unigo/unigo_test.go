package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unigo.dev/unigo/vmm/floorguest"
)

// unigoBin is the unigo command built for the tests.
var unigoBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "unigo-cmd-test")
	if err != nil {
		panic(err)
	}
	unigoBin = filepath.Join(dir, "unigo")
	if out, err := exec.Command("go", "build", "-o", unigoBin, ".").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("building unigo: " + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// unigo runs the unigo command and returns its stdout, stderr and exit code.
func unigo(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(unigoBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func floorImage(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "floor.img")
	if err := floorguest.Write(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunFloorGuest(t *testing.T) {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Fatal("qemu-system-x86_64 is not installed: install the qemu-system-x86 package")
	}
	img := floorImage(t)
	for _, machine := range []string{"microvm", "pc"} {
		stdout, stderr, code := unigo(t, nil, "run", "--machine", machine, "--accel", "tcg", "--verbose", "--env", "A=b c", "--kernel-opt", "debug.x", img, "--", "x y")
		if stdout != floorguest.Stdout || code != 0 {
			t.Errorf("%s: stdout %q, exit %d\n%s", machine, stdout, code, stderr)
		}
		if !strings.Contains(stderr, "accelerator: tcg") || !strings.Contains(stderr, "-append 'arg=floor arg=x%20y env=A=b%20c env=HOME=/ debug.x") {
			t.Errorf("%s: -v output:\n%s", machine, stderr)
		}
	}
}

func TestRunErrors(t *testing.T) {
	img := floorImage(t)
	text := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(text, []byte("hi"), 0o644)
	tests := []struct {
		env  []string
		args []string
		want string
	}{
		{[]string{"PATH=" + t.TempDir()}, []string{"run", img},
			"unigo: qemu-system-x86_64 not found in PATH: install QEMU with 'apt-get install qemu-system-x86'"},
		{nil, []string{"run", text}, "unigo: " + text + " is not a unigo image (not an ELF file): build one with 'unigo build'"},
		{nil, []string{"run", "missing.img"}, "unigo: image missing.img does not exist: build one with 'unigo build'"},
		{nil, []string{"run", "--memory", "64", img}, "unigo: --memory 64 has no unit: write it like 64M, 512K or 1G"},
		{nil, []string{"run", "--machine", "q35", img}, `unigo: unknown machine "q35": use microvm or pc`},
		{nil, []string{"run", "--tcg-cache", "8", img}, "unigo: --tcg-cache 8 has no unit: write it like 64M, 512K or 1G"},
		{nil, []string{"run", "--bogus", img}, "unigo: unknown flag: --bogus: see 'unigo run --help'"},
		{nil, []string{"build", "./nope"}, "unigo: package ./nope not found: "},
		{nil, []string{"build", "--exec", "./prog", "--from", "app:v1"}, "unigo: --exec and --from each say what to build: give one of them"},
		{nil, []string{"build", "--from", "app:v1", "./pkg"}, "unigo: --from app:v1 builds the image of that container image: give no PACKAGE with it"},
		{nil, []string{"build", "--from", "app:v1", "--rootfs", "./root"}, "unigo: --rootfs with --from: the container image's file system is the image's root"},
		{nil, []string{"build", "--net-stack", "./pkg"}, "unigo: --net-stack is for --exec and --from: a Go package's image has the network stack when the package imports net"},
		{nil, []string{"run"}, "unigo: requires at least 1 arg(s), only received 0"},
		{nil, []string{"bench", "boot", "--exec", "./prog", "--app", "./examples/hello"}, "unigo: --app and --exec each name the app to boot"},
		{nil, []string{"bench", "boot", "--ref-app", "./examples/hello"}, "unigo: --ref-app is the linked yardstick of a program given with --exec"},
		{nil, []string{"bench", "boot", "--exec", "./prog", "--subjects", "floor,exec"}, `unigo: subject "exec": want floor, linux, unigo or unigo-exec`},
		{nil, []string{"bench", "compare", "--net", "tap", "./examples/httpd"}, "unigo: --net tap needs --http: "},
		{nil, []string{"bench", "compare", "--http", "8080", "--net", "dhcp", "./examples/httpd"}, `unigo: --net "dhcp": bench compare takes user or tap[:NAME]`},
		{nil, []string{"bench", "compare", "--http", "8080", "--guest-ip", "10.1.1.1/24", "./examples/httpd"}, "unigo: --guest-ip is for --net tap: "},
		{nil, []string{"bench", "compare", "--http", "8080", "--net", "tap", "--guest-ip", "10.1.1.1", "./examples/httpd"}, `unigo: --guest-ip "10.1.1.1": give an IPv4 ADDR/PREFIX`},
		{nil, []string{"bench", "compare", "--http", "8080", "--net", "tap", "--guest-ip", "fd00::10/64", "./examples/httpd"}, `unigo: --guest-ip "fd00::10/64": give an IPv4 ADDR/PREFIX`},
	}
	for _, tt := range tests {
		stdout, stderr, code := unigo(t, tt.env, tt.args...)
		if code != 125 || stdout != "" || !strings.HasPrefix(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("unigo %s: exit %d, stdout %q, stderr %q\nwant exit 125 and one line starting %q", strings.Join(tt.args, " "), code, stdout, stderr, tt.want)
		}
	}
}

func TestParseMemoryNamesTheFlag(t *testing.T) {
	if _, err := parseMemory("64"); err == nil || err.Error() != "--memory 64 has no unit: write it like 64M, 512K or 1G" {
		t.Errorf("err = %v", err)
	}
}

func TestAppEnv(t *testing.T) {
	t.Setenv("UNIGO_TEST_VAR", "from host")
	got, err := appEnv([]string{"A=1", "B=", "UNIGO_TEST_VAR"})
	if err != nil || strings.Join(got, ";") != "A=1;B=;UNIGO_TEST_VAR=from host" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := appEnv([]string{"UNIGO_TEST_UNSET_VAR"}); err == nil {
		t.Error("unset variable accepted")
	}
	if _, err := appEnv([]string{"=x"}); err == nil {
		t.Error("empty name accepted")
	}
}

func TestRunInterrupt(t *testing.T) {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Fatal("qemu-system-x86_64 is not installed: install the qemu-system-x86 package")
	}
	// The floor guest, with no exit status and powering off through an
	// unused port: it prints its line, then halts forever.
	img, err := floorguest.Image()
	if err != nil {
		t.Fatal(err)
	}
	img = bytes.Replace(img, []byte("\x66\xba\xf4\x00"), []byte("\x66\xba\xf8\x00"), 1)
	img = bytes.Replace(img, []byte("exit 0\n"), []byte("hello!\n"), 1)
	p := filepath.Join(t.TempDir(), "halt.img")
	if err := os.WriteFile(p, img, 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(unigoBin, "run", "--accel", "tcg", p)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, len(floorguest.Stdout))
	if _, err := io.ReadFull(stdout, line); err != nil || string(line) != floorguest.Stdout {
		t.Fatalf("guest output %q, %v", line, err)
	}
	start := time.Now()
	cmd.Process.Signal(os.Interrupt)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("exit: %v, want status 130\n%s", err, stderr.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopping took %v", d)
	}
}

func TestSecondsFlag(t *testing.T) {
	for in, want := range map[string]time.Duration{"10": 10 * time.Second, "0": 0, "1.5": 1500 * time.Millisecond, "500ms": 500 * time.Millisecond, "2m": 2 * time.Minute} {
		var s seconds
		if err := s.Set(in); err != nil || time.Duration(s) != want {
			t.Errorf("Set(%q) = %v, %v", in, time.Duration(s), err)
		}
	}
	for _, in := range []string{"-1", "x", "1h-"} {
		var s seconds
		if err := s.Set(in); err == nil {
			t.Errorf("Set(%q): no error", in)
		}
	}
}

// The store's errors, without QEMU: one line, exit 125.
func TestStoreErrors(t *testing.T) {
	root := []string{"UNIGO_ROOT=" + t.TempDir()}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "nosuch"}, `unigo: no such image "nosuch": 'unigo images' lists the images; build one with 'unigo build -t nosuch:latest'`},
		{[]string{"run", "-d", "hello:v1"}, `unigo: no such image "hello:v1"`},
		{[]string{"rmi", "hello"}, `unigo: no such image "hello"`},
		{[]string{"tag", "hello", "x"}, `unigo: no such image "hello"`},
		{[]string{"build", "-t", "Hello", "."}, `unigo: -t: "Hello" is not an image name`},
		{[]string{"inspect", "nothing"}, `unigo: no instance or image named "nothing"`},
		{[]string{"stop", "nothing"}, `unigo: no such instance "nothing": 'unigo ps -a' lists the instances`},
		{[]string{"logs", "a/b"}, `unigo: no such instance "a/b"`},
	} {
		stdout, stderr, code := unigo(t, root, tt.args...)
		if code != 125 || stdout != "" || !strings.HasPrefix(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("unigo %s: exit %d, stdout %q, stderr %q\nwant exit 125 and one line starting %q", strings.Join(tt.args, " "), code, stdout, stderr, tt.want)
		}
	}
	stdout, _, code := unigo(t, root, "images")
	if code != 0 || stdout != "NAME   TAG   IMAGE ID   CREATED   SIZE\n" {
		t.Errorf("images of an empty store: %q, exit %d", stdout, code)
	}
	stdout, _, code = unigo(t, root, "ps", "-a")
	if code != 0 || stdout != "NAME   IMAGE   STATE   UPTIME   PORTS   MEMORY\n" {
		t.Errorf("ps of no instances: %q, exit %d", stdout, code)
	}
}
