// Package e2e holds the end-to-end tests: each builds a real Go program into
// a unigo image with the unigo command, boots it in a real QEMU and checks
// what the app did.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	unigoBin string // the unigo command under test
	repoRoot string
	imageDir string
)

func TestMain(m *testing.M) {
	os.Exit(setup(m))
}

func setup(m *testing.M) int {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: qemu-system-x86_64 not found: these tests boot real VMs; install it with `apt-get install qemu-system-x86`")
		return 1
	}
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Dir(filepath.Dir(file))
	dir, err := os.MkdirTemp("", "unigo-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	imageDir = dir
	unigoBin = filepath.Join(dir, "unigo")
	cmd := exec.Command("go", "build", "-o", unigoBin, "./cmd/unigo")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building unigo: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

var (
	imagesMu sync.Mutex
	images   = map[string]*imageBuild{}
)

type imageBuild struct {
	once sync.Once
	path string
	err  error
}

// image builds a package of this repository (once per test run) with
// `unigo build` and returns the image's path.
func image(t *testing.T, pkg string) string {
	t.Helper()
	sourcesOnce.Do(func() { dependOnSources(repoRoot) })
	imagesMu.Lock()
	b := images[pkg]
	if b == nil {
		b = &imageBuild{}
		images[pkg] = b
	}
	imagesMu.Unlock()
	b.once.Do(func() {
		b.path = filepath.Join(imageDir, strings.ReplaceAll(strings.Trim(pkg, "./"), "/", "_")+".img")
		cmd := exec.Command(unigoBin, "build", pkg, "-o", b.path)
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("unigo build %s: %v\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// app is the image of one of the test programs in testdata.
func app(t *testing.T, name string) string { return image(t, "./e2e/testdata/"+name) }

// result is what one `unigo` command did.
type result struct {
	stdout, stderr string
	code           int
	lines          []timedLine // stdout lines with the time they arrived
}

type timedLine struct {
	text string
	at   time.Time
}

// unigo runs the unigo command with args and a time limit of 3 minutes.
func unigo(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return unigoWithin(t, 3*time.Minute, env, args...)
}

// unigoWithin is unigo with another time limit, for the few commands that
// take longer (a large test suite under software emulation).
func unigoWithin(t *testing.T, limit time.Duration, env []string, args ...string) result {
	t.Helper()
	sourcesOnce.Do(func() { dependOnSources(repoRoot) })
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, unigoBin, args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var r result
	var sb strings.Builder
	sc := bufio.NewScanner(io.TeeReader(out, &sb))
	for sc.Scan() {
		r.lines = append(r.lines, timedLine{sc.Text(), time.Now()})
	}
	err = cmd.Wait()
	r.stdout, r.stderr = sb.String(), stderr.String()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("unigo %v: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("unigo %v did not finish in time\nstdout:\n%s\nstderr:\n%s", args, r.stdout, r.stderr)
	}
	return r
}

// run boots an image with `unigo run` and extra flags before it.
func run(t *testing.T, img string, flags ...string) result {
	t.Helper()
	return unigo(t, nil, append(append([]string{"run"}, flags...), img)...)
}

func (r result) String() string {
	return fmt.Sprintf("exit code %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// expect fails the test unless the run exited with code and its output
// contains every want string (stdout or stderr, as the prefix says).
func (r result) expect(t *testing.T, code int, wants ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit code %d, got:\n%v", code, r)
	}
	for _, w := range wants {
		switch {
		case strings.HasPrefix(w, "stderr:"):
			if !strings.Contains(r.stderr, strings.TrimPrefix(w, "stderr:")) {
				t.Fatalf("stderr lacks %q:\n%v", strings.TrimPrefix(w, "stderr:"), r)
			}
		default:
			if !strings.Contains(r.stdout, w) {
				t.Fatalf("stdout lacks %q:\n%v", w, r)
			}
		}
	}
}

var sourcesOnce sync.Once

// dependOnSources opens every Go and assembly file of the repository, so
// that go test's result cache (which sees only what the test process itself
// reads) reruns these tests when the kernel or the unigo command changes.
func dependOnSources(root string) {
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "bench-results") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".s") || d.Name() == "go.mod" {
			if f, err := os.Open(p); err == nil {
				f.Close()
			}
		}
		return nil
	})
}

// unigoAt runs the unigo command in the directory dir, with env added, for
// at most 3 minutes: a test's own directory, where no file shadows an
// image's name.
func unigoAt(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, unigoBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("unigo %v did not finish in time\n%v", args, r)
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("unigo %v: %v", args, err)
	}
	return r
}
