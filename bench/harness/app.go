package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"unigo.dev/unigo/build"
)

// App is one program under test: a Go program built the plain way
// (BuildApp), or a static executable given as it is (ProgramApp).
type App struct {
	Dir    string // the Go package's directory; "" for a program given as it is
	Name   string // base name, for file names
	Binary string // `CGO_ENABLED=0 go build` output, or the program: static, x86-64 Linux
	Size   int64  // Binary's size in bytes
	Line   string // the first line it prints
}

// BuildApp builds the Go package in dir into outDir with the stock
// toolchain and nothing added: the binary a `FROM scratch` container or a
// Linux initramfs would hold. env adds to the build's environment.
func BuildApp(ctx context.Context, dir, outDir string, env ...string) (*App, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// go build runs in the package's directory: a relative outDir (the
	// default --out, bench-results/...) must not land the binary there.
	if outDir, err = filepath.Abs(outDir); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("app %s: not a directory holding a Go main package", dir)
	}
	a := &App{Dir: abs, Name: filepath.Base(abs)}
	a.Binary = filepath.Join(outDir, a.Name+".linux")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", a.Binary, ".")
	cmd.Dir = abs
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build %s: %v\n%s", dir, err, strings.TrimSpace(string(out)))
	}
	fi, err := os.Stat(a.Binary)
	if err != nil {
		return nil, err
	}
	a.Size = fi.Size()
	return a, nil
}

// ProgramApp is the static executable at program, in any language, as it
// is: nothing is built. It is checked as `unigo build --exec` checks it
// (build.CheckStaticExecutable), so that a program no subject could boot
// is refused before anything runs. Its Line is learnt as a Go app's is
// (LearnLine). It has no Go package, hence no linked unigo image
// (UnigoImage); ExecImage boots it unmodified.
func ProgramApp(program string) (*App, error) {
	abs, err := filepath.Abs(program)
	if err != nil {
		return nil, err
	}
	if err := build.CheckStaticExecutable(abs); err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(abs)
	return &App{Name: strings.TrimSuffix(base, filepath.Ext(base)), Binary: abs, Size: fi.Size()}, nil
}

// FirstLine runs the app natively once and returns the first non-empty line
// it prints on stdout or stderr; the app is stopped as soon as the line is
// read, or after timeout. That line is what every VM's console is watched
// for.
func FirstLine(ctx context.Context, binary string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, w, err := os.Pipe()
	if err != nil {
		return "", err
	}
	defer r.Close()
	cmd := exec.CommandContext(ctx, binary)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.Dir = os.TempDir()
	err = cmd.Start()
	w.Close()
	if err != nil {
		return "", err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if s := strings.TrimSpace(sc.Text()); s != "" {
				lines <- s
				return
			}
		}
		close(lines)
	}()
	select {
	case s, ok := <-lines:
		if !ok {
			return "", errors.New("it printed nothing")
		}
		return s, nil
	case <-ctx.Done():
		return "", fmt.Errorf("it printed no line within %v", timeout)
	}
}

// LearnLine fills app.Line from the override or by running the app once,
// with $PORT set for an app that serves HTTP on port (0: none), and says
// where the line came from.
func LearnLine(ctx context.Context, app *App, override string, port int) (source string, err error) {
	if override != "" {
		app.Line = override
		return "given (--line)", nil
	}
	if port > 0 {
		restore := os.Getenv("PORT")
		os.Setenv("PORT", fmt.Sprint(port))
		defer os.Setenv("PORT", restore)
	}
	line, err := FirstLine(ctx, app.Binary, 10*time.Second)
	if err != nil {
		return "", fmt.Errorf("learning its first output line by running it natively: %w (give the line with --line)", err)
	}
	app.Line = line
	return "the first line the app printed when run natively on the host", nil
}
