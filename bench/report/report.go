// Package report writes what the benchmarks measured: results.json (every
// report starts with Base), tables for people, and the SVG chart.
package report

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/linuxvm"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/internal/atomicfile"
	"unigo.dev/unigo/vmm/qemu"
)

// Base is what every benchmark's results.json starts with.
type Base struct {
	Benchmark string    `json:"benchmark"` // "boot", "compare"
	Date      time.Time `json:"date"`
	Host      HostInfo  `json:"host"`
	App       AppInfo   `json:"app"`
	Notes     []string  `json:"notes"`
	Duration  float64   `json:"duration_s"` // of the whole benchmark
}

// NewBase starts a report of benchmark, begun at began, on app; qemu is
// the QEMU program of the host line ("": qemu.Binary from $PATH).
func NewBase(benchmark string, began time.Time, qemuProgram, app string) Base {
	r := Base{Benchmark: benchmark, Date: began.UTC().Truncate(time.Second), Host: hostInfo(cmp.Or(qemuProgram, qemu.Binary)), App: AppInfo{Path: app}}
	if khz, src, err := linuxvm.HostTSCKHz(); err == nil {
		r.Host.TSCKHz, r.Host.TSCSource = khz, src
	}
	return r
}

// HostInfo describes the machine the numbers were measured on.
type HostInfo struct {
	CPU       string `json:"cpu"`
	CPUs      int    `json:"cpus"`
	Kernel    string `json:"kernel"`
	QEMU      string `json:"qemu"`
	TSCKHz    int    `json:"tsc_khz,omitempty"`
	TSCSource string `json:"tsc_source,omitempty"`
	GoVersion string `json:"go"`
}

// AppInfo describes the app under test.
type AppInfo struct {
	Path        string         `json:"path"`
	Line        string         `json:"line"`
	LineSource  string         `json:"line_source"`
	GoBuildSize measure.Metric `json:"go_build_bytes"` // plain static `go build`, for reference
	// ProgramSize is the size of an app that is a static executable given
	// as it is (bench boot --exec), built by no one here: GoBuildSize is
	// n/a then.
	ProgramSize *measure.Metric `json:"program_bytes,omitempty"`
	// RefApp is the Go main package whose linked unigo image is the
	// yardstick of such a program.
	RefApp  string `json:"ref_app,omitempty"`
	IdleApp string `json:"idle_app,omitempty"`
}

func hostInfo(qemu string) HostInfo {
	h := HostInfo{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				h.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		h.Kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command(qemu, "-version").Output(); err == nil {
		h.QEMU = strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
	}
	return h
}

// BuildApp builds the app in dir plain into artifacts and records its
// size.
func (r *Base) BuildApp(ctx context.Context, dir, artifacts string) (*harness.App, error) {
	app, err := harness.BuildApp(ctx, dir, artifacts)
	if err != nil {
		return nil, err
	}
	r.App.GoBuildSize = measure.Value("bytes", float64(app.Size))
	return app, nil
}

// UseProgram records app, a static executable given as it is
// (harness.ProgramApp), as the report's app.
func (r *Base) UseProgram(app *harness.App) {
	size := measure.Value("bytes", float64(app.Size))
	r.App.ProgramSize = &size
	r.App.GoBuildSize = measure.NA("bytes", "n/a: the app is a program given as it is (--exec), not a Go package built here")
}

// NoteLoad notes the host's load average at the start (before) and now.
func (r *Base) NoteLoad(before string) {
	r.Notes = append(r.Notes, fmt.Sprintf("host load average (1 min): %s at the start, %s at the end", before, measure.LoadAvg()))
}

// Finish records how long the benchmark begun at began took and writes
// report, whose Base r is, as results.json into out.
func (r *Base) Finish(began time.Time, out string, report any) error {
	r.Duration = time.Since(began).Seconds()
	return WriteJSON(filepath.Join(out, "results.json"), report)
}

// WriteJSON writes v to path as indented JSON, atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'), 0o644)
}
