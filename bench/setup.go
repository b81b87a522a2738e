package bench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"unigo.dev/unigo/bench/linuxvm"
	"unigo.dev/unigo/vmm/qemu"
)

// The pieces every benchmark's Run starts and ends with: config defaults,
// progress lines, the machine its VMs run on, the app built plain, and
// results.json.

// orDefault sets *p to def when it is not set: zero or negative for
// numbers and durations, empty for strings.
func orDefault[T cmp.Ordered](p *T, def T) {
	var zero T
	if *p <= zero {
		*p = def
	}
}

// checkSubjects sets *subjects to all of them when it is empty, else checks
// that each is one of all.
func checkSubjects(subjects *[]string, all ...string) error {
	if len(*subjects) == 0 {
		*subjects = append([]string(nil), all...)
	}
	for _, s := range *subjects {
		found := false
		for _, a := range all {
			found = found || s == a
		}
		if !found {
			return fmt.Errorf("subject %q: want %s or %s", s, strings.Join(all[:len(all)-1], ", "), all[len(all)-1])
		}
	}
	return nil
}

// qemuDefaults fills in the QEMU binary and the Linux baseline's kernel
// cache of a benchmark with VM subjects.
func qemuDefaults(qemu, linuxCacheDir *string) error {
	orDefault(qemu, "qemu-system-x86_64")
	if *linuxCacheDir == "" {
		d, err := linuxvm.DefaultCacheDir()
		if err != nil {
			return err
		}
		*linuxCacheDir = d
	}
	return nil
}

// progressTo returns a printf of one progress line a call to w; nil w
// prints nothing.
func progressTo(w io.Writer) func(format string, args ...any) {
	return func(format string, args ...any) {
		if w != nil {
			fmt.Fprintf(w, format+"\n", args...)
		}
	}
}

// mkdirs makes the directories, with their parents.
func mkdirs(dirs ...string) error {
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// vmMachine readies the machine of the VM subjects among subjects (all but
// Native): it finds the QEMU binary, chooses the accelerator and checks the
// machine type. Without VM subjects it returns the zero machine and qemu
// as given, for the report's host line.
func vmMachine(subjects []string, qemuBin, typ, accel string) (machine, string, error) {
	needVM := false
	for _, s := range subjects {
		needVM = needVM || s != Native
	}
	if !needVM {
		return machine{}, qemuBin, nil
	}
	path, err := exec.LookPath(qemuBin)
	if err != nil {
		return machine{}, "", fmt.Errorf("QEMU (%s) is not installed: install the qemu-system-x86 package: %w", qemuBin, err)
	}
	a, err := qemu.ChooseAccel(accel)
	if err != nil {
		return machine{}, "", err
	}
	m := machine{QEMU: path, Type: typ, Accel: a}
	if err := m.check(); err != nil {
		return machine{}, "", err
	}
	return m, path, nil
}

// buildApp builds the app in dir plain into artifacts and records its size.
func (r *reportBase) buildApp(ctx context.Context, dir, artifacts string) (*goApp, error) {
	app, err := buildApp(ctx, dir, artifacts)
	if err != nil {
		return nil, err
	}
	r.App.GoBuildSize = valueMetric("bytes", float64(app.Size))
	return app, nil
}

// noteLoad notes the host's load average at the start (before) and now.
func (r *reportBase) noteLoad(before string) {
	r.Notes = append(r.Notes, fmt.Sprintf("host load average (1 min): %s at the start, %s at the end", before, loadAvg()))
}

// finish records how long the benchmark begun at began took and writes
// report, whose reportBase r is, as results.json into out.
func (r *reportBase) finish(began time.Time, out string, report any) error {
	r.Duration = time.Since(began).Seconds()
	return writeJSON(filepath.Join(out, "results.json"), report)
}
