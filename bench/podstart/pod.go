package podstart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
	"unigo.dev/unigo/internal/containerdserver"
)

// podRunner runs the benchmark's pods, one at a time.
type podRunner struct {
	srv  *containerdserver.Server
	cfg  Config
	line func(string) bool // the app's first line
	dir  string            // the pods' configurations and log directories
}

// podResult is what one pod measured.
type podResult struct {
	runp, create, line time.Duration // the three steps to the first line
	mem                podMemory
	remove             time.Duration
}

// run starts one pod of s (named after s and round), times it to the
// app's line, reads its memory once it idles, and removes it, waiting for
// its processes to end; a pod that fails is removed too.
func (p *podRunner) run(ctx context.Context, round string, s *Subject) (res podResult, err error) {
	name := s.Key + "-" + round
	logDir := filepath.Join(p.dir, name)
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return res, err
	}
	podJSON, ctrJSON := filepath.Join(p.dir, name+"-pod.json"), filepath.Join(p.dir, name+"-ctr.json")
	pod := fmt.Sprintf(`{"metadata": {"name": %q, "namespace": "default", "uid": "unigo-bench-%s", "attempt": 0}, "log_directory": %q, "linux": {}}`, name, name, logDir)
	ctr := fmt.Sprintf(`{"metadata": {"name": "app"}, "image": {"image": %q}, "log_path": "app.log", "linux": {}}`, s.image)
	if err := os.WriteFile(podJSON, []byte(pod), 0o644); err != nil {
		return res, err
	}
	if err := os.WriteFile(ctrJSON, []byte(ctr), 0o644); err != nil {
		return res, err
	}
	runp := []string{"runp", podJSON}
	if s.handler != "" {
		runp = []string{"runp", "--runtime", s.handler, podJSON}
	}

	start := time.Now()
	podID, err := p.srv.Crictl(ctx, runp...)
	if err != nil {
		return res, err
	}
	res.runp = time.Since(start)
	defer func() {
		d, rmErr := p.remove(ctx, podID)
		res.remove = d
		if err == nil {
			err = rmErr
		}
	}()
	ctrID, err := p.srv.Crictl(ctx, "create", podID, ctrJSON, podJSON)
	if err != nil {
		return res, err
	}
	res.create = time.Since(start) - res.runp
	if _, err := p.srv.Crictl(ctx, "start", ctrID); err != nil {
		return res, err
	}
	if err := p.waitLine(ctx, filepath.Join(logDir, "app.log"), ctrID, start); err != nil {
		return res, err
	}
	res.line = time.Since(start) - res.runp - res.create

	select {
	case <-time.After(p.cfg.Settle):
	case <-ctx.Done():
		return res, ctx.Err()
	}
	res.mem, err = readPodMemory(p.srv.PodProcesses())
	return res, err
}

// waitLine polls the container's log file, in CRI's format (TIME STREAM
// TAG LINE), every 5 ms until the app's line is in it. After 10 s it also
// asks CRI once a second whether the container has exited, so a broken
// pod fails at once (not earlier: a crictl a round would weigh on the
// times it measures).
func (p *podRunner) waitLine(ctx context.Context, path, ctrID string, start time.Time) error {
	deadline, lastAsked := start.Add(p.cfg.Timeout), start.Add(9*time.Second)
	for ; ; time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(path)
		for _, l := range strings.Split(string(b), "\n") {
			if p.line(l) {
				return nil
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		now := time.Now()
		exited := false
		if now.Sub(lastAsked) >= time.Second {
			lastAsked = now
			st, _ := p.srv.Crictl(ctx, "inspect", "-o", "go-template", "--template", "{{.status.state}}", ctrID)
			exited = st == "CONTAINER_EXITED"
		}
		if exited || now.After(deadline) {
			why := fmt.Sprintf("no line in the container's log after %v", p.cfg.Timeout)
			if exited {
				why = "the container exited before its line"
			}
			return fmt.Errorf("%s; the log ends:\n%s", why, measure.LastLines(string(b), 5))
		}
	}
}

// removeLimit bounds the wait for a removed pod's processes: its shims
// and VM end within a second when all goes well.
const removeLimit = 30 * time.Second

// remove removes the pod as kubelet does (crictl stopp, rmp) and waits for
// every process of the pod to end, so that the next pod starts alone; it
// returns how long that took. A process still there after removeLimit is
// killed, and the pod counts as failed: else it would be taken for a
// process of every later pod. It removes the pod after a cancelled ctx
// too, but then does not wait (the server's Stop kills what is left).
func (p *podRunner) remove(ctx context.Context, podID string) (time.Duration, error) {
	start := time.Now()
	procs := p.srv.PodProcesses()
	crictlCtx, cancel := context.WithTimeout(context.Background(), removeLimit)
	defer cancel()
	_, errStop := p.srv.Crictl(crictlCtx, "stopp", podID)
	_, errRm := p.srv.Crictl(crictlCtx, "rmp", "-f", podID)
	for {
		var left []int
		for _, pid := range append(procs, p.srv.PodProcesses()...) {
			if harness.ProcessLives(pid) && !slices.Contains(left, pid) {
				left = append(left, pid)
			}
		}
		if len(left) == 0 {
			return time.Since(start), errors.Join(errStop, errRm)
		}
		if ctx.Err() != nil {
			return time.Since(start), ctx.Err()
		}
		if time.Since(start) > removeLimit {
			var what []string
			for _, pid := range left {
				what = append(what, fmt.Sprintf("%d (%s)", pid, harness.ProcName(pid)))
				syscall.Kill(pid, syscall.SIGKILL)
			}
			return time.Since(start), fmt.Errorf("pod %s: processes %s still ran %v after crictl stopp and rmp: killed", podID, strings.Join(what, ", "), removeLimit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// record adds the pod's values to s.
func (r podResult) record(s *Subject) {
	s.Add("start", (r.runp + r.create + r.line).Seconds())
	s.Add("runp", r.runp.Seconds())
	s.Add("create", r.create.Seconds())
	s.Add("line", r.line.Seconds())
	s.Add("mem", float64(r.mem.total))
	s.Add("mem_anon", float64(r.mem.anon))
	s.Add("mem_shims", float64(r.mem.shims))
	s.Add("mem_pause", float64(r.mem.pause))
	s.Add("mem_ctr", float64(r.mem.ctr))
	if r.mem.vm > 0 {
		s.Add("mem_vm", float64(r.mem.vm))
	}
	s.Add("procs", float64(r.mem.procs))
	s.Add("remove", r.remove.Seconds())
}

// text is the pod's part of a progress line.
func (r podResult) text(key string) string {
	return fmt.Sprintf("%s: start %s (runp %s, create %s, to line %s), %s in %d processes, removed in %s", key,
		report.DurationText((r.runp + r.create + r.line).Seconds()), report.DurationText(r.runp.Seconds()), report.DurationText(r.create.Seconds()),
		report.DurationText(r.line.Seconds()), report.HumanBytes(float64(r.mem.total)), r.mem.procs, report.DurationText(r.remove.Seconds()))
}
