package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// unigoInstances runs the app's image from a private unigo root, through
// the unigo command, as a user would.
type unigoInstances struct {
	cfg  InstanceConfig
	bin  string
	root string
	app  *goApp
	ref  string // the image in the store, once built
}

func (u *unigoInstances) env() []string { return []string{"UNIGO_ROOT=" + u.root} }

// image builds the app's image into the private store once.
func (u *unigoInstances) image(ctx context.Context) (string, error) {
	if u.ref != "" {
		return u.ref, nil
	}
	ref := u.app.Name + ":bench"
	if _, _, err := timed(ctx, 5*time.Minute, u.env(), u.bin, "build", "-t", ref, u.app.Dir); err != nil {
		return "", err
	}
	u.ref = ref
	return ref, nil
}

// vmFlags are the flags of `unigo run` that make the VM the benchmark's.
func (u *unigoInstances) vmFlags() []string {
	return []string{"--accel", u.cfg.Accel, "--machine", u.cfg.Machine, "--memory", fmt.Sprintf("%dM", u.cfg.MemMiB)}
}

// detached: `unigo run -d`, to the first line in the console log; `unigo
// stop`; again, and `unigo kill`.
func (u *unigoInstances) detached(ctx context.Context, s *InstanceSubject) error {
	s.Label = "unigo run -d"
	ref, err := u.image(ctx)
	if err != nil {
		return err
	}
	run := append(append([]string{"run", "-d", "--name", "NAME"}, u.vmFlags()...), ref)
	s.How = "the unigo image in the store of a private UNIGO_ROOT; each instance is removed (unigo rm, not timed) after it ended"
	s.Commands = []string{"unigo " + strings.Join(run, " "), "unigo stop NAME", "unigo kill NAME"}
	s.cycle = func(ctx context.Context, add func(string, float64)) error {
		for _, end := range []string{"stop", "kill"} {
			name := instanceName()
			args := append([]string(nil), run...)
			args[3] = name
			start := time.Now()
			ret, _, err := timed(ctx, u.cfg.Timeout, u.env(), u.bin, args...)
			if err != nil {
				return err
			}
			dir := filepath.Join(u.root, "instances", name)
			at, err := waitLogLine(ctx, filepath.Join(dir, "console.log"), u.app.Line, start.Add(u.cfg.Timeout), unigoLogRecord)
			if err != nil {
				u.remove(name)
				return err
			}
			boot, err := waitBootTime(ctx, filepath.Join(dir, "state.json"), time.Now().Add(5*time.Second))
			if err != nil {
				u.remove(name)
				return err
			}
			d, _, err := timed(ctx, u.cfg.Timeout, u.env(), u.bin, end, name)
			if err != nil {
				u.remove(name)
				return err
			}
			summary, err := stateSummary(filepath.Join(dir, "state.json"))
			u.remove(name)
			if err != nil {
				return err
			}
			if want := map[string]string{"stop": "exited (0)", "kill": "exited (killed)"}[end]; summary != want {
				return fmt.Errorf("after unigo %s the instance is %q, want %q", end, summary, want)
			}
			add("start_line", at.Sub(start).Seconds())
			add("start_return", ret.Seconds())
			add("boot", boot/1000)
			add(end, d.Seconds())
		}
		return nil
	}
	return nil
}

// attached: `unigo run IMAGE`, to the app's line on its standard output;
// then the command is killed (QEMU dies with it).
func (u *unigoInstances) attached(ctx context.Context, s *InstanceSubject) error {
	s.Label = "unigo run (attached)"
	ref, err := u.image(ctx)
	if err != nil {
		return err
	}
	args := append(append([]string{"run"}, u.vmFlags()...), ref)
	s.How = "the same image run attached: the time to its line on unigo's standard output"
	s.Commands = []string{"unigo " + strings.Join(args, " ")}
	for _, k := range []string{"start_return", "boot", "stop", "kill"} {
		s.na[k] = "an attached run has no detached start, state, stop or kill to time"
	}
	s.cycle = func(ctx context.Context, add func(string, float64)) error {
		cmd := exec.CommandContext(ctx, u.bin, args...)
		cmd.Env = append(os.Environ(), u.env()...)
		w := newWatched(cmd, lineMatcher(u.app.Line))
		cmd.Stdout, cmd.Stderr = w.console(), w.console()
		if err := w.start(); err != nil {
			return err
		}
		defer w.kill()
		d, err := w.waitLine(u.cfg.Timeout)
		if err != nil {
			return err
		}
		add("start_line", d.Seconds())
		return nil
	}
	return nil
}

// remove deletes an instance, killing it if it still runs.
func (u *unigoInstances) remove(name string) {
	_, _, _ = timed(context.Background(), time.Minute, u.env(), u.bin, "rm", "-f", name)
}

// unigoLogRecord reads one record of an instance's console.log.
func unigoLogRecord(b []byte) (text string, at time.Time, ok bool) {
	var r struct {
		Time time.Time `json:"time"`
		Log  string    `json:"log"`
	}
	if json.Unmarshal(b, &r) != nil {
		return "", time.Time{}, false
	}
	return r.Log, r.Time, true
}

// waitLogLine polls a JSON-lines console log (unigo's console.log,
// Docker's json-file log) until a record holds line, and returns that
// record's time stamp: when the writer received the line, not when the
// poll saw it.
func waitLogLine(ctx context.Context, path, line string, deadline time.Time, record func([]byte) (string, time.Time, bool)) (time.Time, error) {
	for {
		if b, err := os.ReadFile(path); err == nil {
			sc := bufio.NewScanner(bytes.NewReader(b))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if text, at, ok := record(sc.Bytes()); ok && strings.Contains(text, line) {
					return at, nil
				}
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(path)
			return time.Time{}, fmt.Errorf("%w waiting for %q in %s, which holds: %q", errTimeout, line, path, lastLines(strings.TrimSpace(string(b)), 3))
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// waitBootTime waits for the monitor to record the boot time (it does so
// just after the first output) and returns it in milliseconds.
func waitBootTime(ctx context.Context, path string, deadline time.Time) (float64, error) {
	for {
		var st struct {
			BootTimeMs float64 `json:"bootTimeMs"`
		}
		if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &st) == nil && st.BootTimeMs > 0 {
			return st.BootTimeMs, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s has no bootTimeMs although the app's line is in the log", path)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// stateSummary reads an instance's state as `unigo ps` shows it.
func stateSummary(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var st struct {
		Summary string `json:"state"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return st.Summary, nil
}
