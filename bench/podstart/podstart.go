// Package podstart is `unigo bench podstart`: Kubernetes pods of one app
// started two ways on the same private containerd (internal/containerdserver),
// interleaved, driven by crictl as kubelet drives CRI: a pod with the
// default runc handler whose container is the app's static binary in a
// FROM scratch image, and a pod with the runtime handler unigo whose
// container is the app's unigo image, a VM. Each pod is timed from
// launching crictl runp to the app's first line in the container's log,
// measured while it idles (the Pss of every process of the pod) and
// removed before the next one starts.
package podstart

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
	"unigo.dev/unigo/internal/containerdserver"
)

// Subjects, in table order, by their runtime handler.
const (
	Runc  = "runc"  // the default handler: runc runs the FROM scratch image
	Unigo = "unigo" // the shim's handler: the unigo image as a VM
)

// Config says what Run measures and how.
type Config struct {
	Runs  int    // interleaved pods of each subject; default 10
	App   string // the app: prints a line, then serves; default ./examples/httpd
	Line  string // the app's first line; default learnt by running the app natively
	Pause string // the pods' pause program (no registry is reachable); default ./examples/sigwait
	Unigo string // the unigo binary that builds and saves the image; required
	// Shim is a containerd-shim-unigo-v2 to use; default built from the
	// unigo module of the current directory.
	Shim     string
	Settle   time.Duration // idle time between the app's line and the memory reading; default 1 s
	Out      string        // directory for results.json and the built files; required
	Timeout  time.Duration // limit for one pod to print its line, and to go; default 2 min
	Progress io.Writer
}

// SetDefaults fills in what cfg leaves out and checks the rest.
func (c *Config) SetDefaults() error {
	harness.OrDefault(&c.Runs, 10)
	harness.OrDefault(&c.App, "./examples/httpd")
	harness.OrDefault(&c.Pause, "./examples/sigwait")
	harness.OrDefault(&c.Settle, time.Second)
	harness.OrDefault(&c.Timeout, 2*time.Minute)
	if c.Unigo == "" {
		return errors.New("no unigo binary")
	}
	if c.Out == "" {
		return harness.ErrNoOut
	}
	return nil
}

var quantities = []measure.Quantity{
	{Key: "start", Name: "pod start: crictl runp to the app's first line in its log", Unit: "s"},
	{Key: "runp", Name: "… crictl runp (network namespace, CNI, pause)", Unit: "s"},
	{Key: "create", Name: "… crictl create", Unit: "s"},
	{Key: "line", Name: "… crictl start to the first line", Unit: "s"},
	{Key: "mem", Name: "memory of the idle pod (Pss of all its processes)", Unit: "bytes"},
	{Key: "mem_anon", Name: "… in anonymous pages (not shared with other pods)", Unit: "bytes"},
	{Key: "mem_shims", Name: "… the shims", Unit: "bytes"},
	{Key: "mem_pause", Name: "… pause", Unit: "bytes"},
	{Key: "mem_ctr", Name: "… the container's process (runc: the app; unigo: the container process)", Unit: "bytes"},
	{Key: "mem_vm", Name: "… QEMU (unigo: the app's VM)", Unit: "bytes"},
	{Key: "procs", Name: "processes of the pod", Unit: "%.0f"},
	{Key: "remove", Name: "crictl stopp + rmp until its processes are gone", Unit: "s"},
}

// Report is the result of Run, written as results.json.
type Report struct {
	report.Base
	Config   Settings   `json:"config"`
	Subjects []*Subject `json:"subjects"`
}

// Settings are the configuration the report was measured with.
type Settings struct {
	Runs       int     `json:"runs"`
	Containerd string  `json:"containerd"`
	Runc       string  `json:"runc"`
	Crictl     string  `json:"crictl"`
	Shim       string  `json:"shim"`
	Pause      string  `json:"pause"`
	Settle     float64 `json:"settle_s"`
}

// Subject holds one subject's measurements.
type Subject struct {
	report.Measured

	handler string // crictl runp --runtime; "" for containerd's default (runc)
	image   string // the container's image in containerd
}

// Run runs the benchmark and writes results.json into cfg.Out. The private
// containerd and everything its pods made are gone when it returns, also
// after an error.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.SetDefaults(); err != nil {
		return nil, err
	}
	// Every tool before anything is built.
	crictl, err := containerdserver.FindTools()
	if err != nil {
		return nil, err
	}
	began, loadBefore := time.Now(), measure.LoadAvg()
	progress := harness.Progress(cfg.Progress)
	out, err := filepath.Abs(cfg.Out)
	if err != nil {
		return nil, err
	}
	artifacts, shimDir := filepath.Join(out, "artifacts"), filepath.Join(out, "bin")
	if err := harness.Mkdirs(artifacts, shimDir); err != nil {
		return nil, err
	}
	unigoBin, err := harness.UnigoBinary(cfg.Unigo)
	if err != nil {
		return nil, err
	}
	r := &Report{Base: report.NewBase("podstart", began, "", cfg.App)}
	r.Config = Settings{Runs: cfg.Runs, Containerd: version(ctx, "containerd", "--version"), Runc: version(ctx, "runc", "--version"),
		Crictl: version(ctx, crictl, "--version"), Pause: cfg.Pause, Settle: cfg.Settle.Seconds()}
	app, err := r.BuildApp(ctx, cfg.App, artifacts)
	if err != nil {
		return nil, err
	}
	if r.App.LineSource, err = harness.LearnLine(ctx, app, cfg.Line, 0); err != nil {
		return nil, fmt.Errorf("app %s: %w", cfg.App, err)
	}
	r.App.Line = app.Line
	if r.Config.Shim, err = installShim(ctx, cfg.Shim, shimDir); err != nil {
		return nil, err
	}
	imgs, err := buildImages(ctx, cfg, unigoBin, app, artifacts)
	if err != nil {
		return nil, err
	}
	progress("app %s: first line %q; images %s and %s; pause %s", cfg.App, app.Line, imgs.plain, imgs.unigo, cfg.Pause)

	// The socket's path must fit a sockaddr_un: a short directory of its
	// own, not under the output directory.
	dir, err := os.MkdirTemp("", "unigo-podstart-")
	if err != nil {
		return nil, err
	}
	srv, err := containerdserver.Start(dir, shimDir, imgs.pause)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	stop := func() {
		for _, l := range srv.Stop() {
			r.Notes = append(r.Notes, "teardown: "+l)
			progress("teardown: %s", l)
		}
		os.WriteFile(filepath.Join(out, "containerd.log"), []byte(srv.Log()), 0o644)
	}
	defer stop() // a second Stop does nothing
	for _, a := range imgs.archives() {
		if o, code, err := srv.Ctr(ctx, "images", "import", a); err != nil || code != 0 {
			return nil, fmt.Errorf("ctr images import %s: exit %d %v\n%s", a, code, err, o)
		}
	}

	runc := &Subject{Measured: report.NewMeasured(Runc, "runc"), image: imgs.plain}
	runc.How = "a pod with containerd's default handler (runc); its container the app's static binary in a FROM scratch image"
	unigo := &Subject{Measured: report.NewMeasured(Unigo, "unigo"), handler: Unigo, image: imgs.unigo}
	unigo.How = "a pod with the runtime handler unigo (containerd-shim-unigo-v2; its pause under runc); its container the app's unigo image (unigo save | ctr images import), a VM"
	unigo.Notes = append(unigo.Notes, "the VM under "+accelText())
	runc.NA["mem_vm"] = "no VM"
	r.Subjects = []*Subject{runc, unigo}
	for _, s := range r.Subjects {
		s.Commands = s.commands()
	}
	pods := &podRunner{srv: srv, cfg: cfg, line: harness.LineMatcher(app.Line), dir: filepath.Join(artifacts, "pods")}
	// One pod of each, not counted: the containerd's first pod makes the
	// bridge and the firewall's chains, and each image's first container
	// reads its files from disk.
	for _, s := range r.Subjects {
		if _, err := pods.run(ctx, "warmup", s); err != nil {
			return nil, fmt.Errorf("the first %s pod: %w", s.Key, err)
		}
	}
	progress("warm-up: a pod of each started and removed")
	err = measure.RunRounds(ctx, cfg.Runs, r.Subjects, func(round int, s *Subject) (string, error) {
		res, err := pods.run(ctx, fmt.Sprint(round+1), s)
		if err != nil {
			first, _, _ := strings.Cut(err.Error(), "\n")
			return s.Key + ": failed: " + first, err
		}
		res.record(s)
		return res.text(s.Key), nil
	}, func(i int, texts []string) {
		progress("run %d/%d: %s", i+1, cfg.Runs, strings.Join(texts, "; "))
	})
	if err != nil {
		return nil, err
	}
	stop()
	for _, s := range r.Subjects {
		s.Notes = s.Summarize(s.Metrics, quantities, cfg.Runs, s.Notes)
	}
	r.Notes = append(r.Notes,
		"each pod is made as kubelet makes one, with crictl runp, create and start against a private containerd's CRI, and removed with crictl stopp and rmp before the next starts; one pod of each subject ran first, not counted",
		"the app's first line is watched for in the container's log file (CRI's format, at the pod's log_directory), read every 5 ms",
		fmt.Sprintf("memory is read %v after the first line: the sum of Pss (smaps_rollup) over the pod's processes — the shims and every process under them (runc's pause and the app; the unigo container process and QEMU) — shared pages split between the processes that map them, so the programs' file pages weigh on a pod less as more processes run the same programs on the host; its anonymous part is what each more pod adds at least; containerd itself is not counted", cfg.Settle),
		"the pause container of both is "+cfg.Pause+", a static Go program (no registry is reachable for Kubernetes' pause image)")
	if d, ok := extra(unigo, runc, "mem"); ok {
		r.Notes = append(r.Notes, fmt.Sprintf("a unigo pod costs %s more host memory than a runc pod (medians)", report.HumanBytes(d)))
	}
	r.NoteLoad(loadBefore)
	return r, r.Finish(began, out, r)
}

// commands are the crictl commands of one of the subject's pods.
func (s *Subject) commands() []string {
	runp := "crictl runp pod.json"
	if s.handler != "" {
		runp = "crictl runp --runtime " + s.handler + " pod.json"
	}
	return []string{runp, "crictl create POD ctr.json pod.json  # image " + s.image, "crictl start CTR", "crictl stopp POD; crictl rmp POD"}
}

// extra is how much of unit key the median of s has over base's.
func extra(s, base *Subject, key string) (float64, bool) {
	a, b := s.Metrics[key], base.Metrics[key]
	if !a.OK() || !b.OK() {
		return 0, false
	}
	return *a.Value - *b.Value, true
}

// version is a program's first line of version output, or "unknown".
func version(ctx context.Context, prog string, args ...string) string {
	out, err := harness.Output(ctx, 10*time.Second, prog, args...)
	if err != nil {
		return "unknown"
	}
	return strings.SplitN(out, "\n", 2)[0]
}

// accelText says what the shim's VMs run on: QEMU picks KVM when
// /dev/kvm opens, else TCG.
func accelText() string {
	if f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0); err == nil {
		f.Close()
		return "KVM if it works (/dev/kvm opens), else TCG"
	}
	return "TCG (no /dev/kvm)"
}
