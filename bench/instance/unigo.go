package instance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	instances "unigo.dev/unigo/instance"
)

// unigoCLI runs the app's image from a private unigo root, through the
// unigo command, as a user would.
type unigoCLI struct {
	cfg  Config
	bin  string
	root string
	app  *harness.App
	ref  string // the image in the store, once built
}

func (u *unigoCLI) env() []string { return []string{"UNIGO_ROOT=" + u.root} }

// image builds the app's image into the private store once.
func (u *unigoCLI) image(ctx context.Context) (string, error) {
	if u.ref != "" {
		return u.ref, nil
	}
	ref := u.app.Name + ":bench"
	if _, _, err := harness.Timed(ctx, 5*time.Minute, u.env(), u.bin, "build", "-t", ref, u.app.Dir); err != nil {
		return "", err
	}
	u.ref = ref
	return ref, nil
}

// vmFlags are the flags of `unigo run` that make the VM the benchmark's.
func (u *unigoCLI) vmFlags() []string {
	return []string{"--accel", u.cfg.Accel, "--machine", u.cfg.Machine, "--memory", fmt.Sprintf("%dM", u.cfg.MemMiB)}
}

// detached: `unigo run -d`, to the first line in the console log; `unigo
// stop`; again, and `unigo kill`.
func (u *unigoCLI) detached(ctx context.Context, s *Subject) error {
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
			name := harness.UniqueName()
			args := append([]string(nil), run...)
			args[3] = name
			start := time.Now()
			ret, _, err := harness.Timed(ctx, u.cfg.Timeout, u.env(), u.bin, args...)
			if err != nil {
				return err
			}
			dir := filepath.Join(u.root, "instances", name)
			at, err := waitLogLine(ctx, filepath.Join(dir, "console.log"), u.app.Line, start.Add(u.cfg.Timeout))
			if err != nil {
				u.remove(name)
				return err
			}
			boot, err := u.waitBootTime(ctx, name, time.Now().Add(5*time.Second))
			if err != nil {
				u.remove(name)
				return err
			}
			d, _, err := harness.Timed(ctx, u.cfg.Timeout, u.env(), u.bin, end, name)
			if err != nil {
				u.remove(name)
				return err
			}
			st, err := instances.Open(u.root).Get(name)
			u.remove(name)
			if err != nil {
				return err
			}
			summary := st.Summary
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
func (u *unigoCLI) attached(ctx context.Context, s *Subject) error {
	s.Label = "unigo run (attached)"
	ref, err := u.image(ctx)
	if err != nil {
		return err
	}
	args := append(append([]string{"run"}, u.vmFlags()...), ref)
	s.How = "the same image run attached: the time to its line on unigo's standard output"
	s.Commands = []string{"unigo " + strings.Join(args, " ")}
	for _, k := range []string{"start_return", "boot", "stop", "kill"} {
		s.NA[k] = "an attached run has no detached start, state, stop or kill to time"
	}
	s.cycle = func(ctx context.Context, add func(string, float64)) error {
		cmd := exec.CommandContext(ctx, u.bin, args...)
		cmd.Env = append(os.Environ(), u.env()...)
		w := harness.NewWatched(cmd, harness.LineMatcher(u.app.Line))
		cmd.Stdout, cmd.Stderr = w.Console(), w.Console()
		if err := w.Start(); err != nil {
			return err
		}
		defer w.Stop()
		d, err := w.WaitLine(u.cfg.Timeout)
		if err != nil {
			return err
		}
		add("start_line", d.Seconds())
		return nil
	}
	return nil
}

// remove deletes an instance, killing it if it still runs.
func (u *unigoCLI) remove(name string) {
	_, _, _ = harness.Timed(context.Background(), time.Minute, u.env(), u.bin, "rm", "-f", name)
}

// waitBootTime waits for the instance's monitor to record the boot time
// in its state (it does so just after the first output) and returns it in
// milliseconds.
func (u *unigoCLI) waitBootTime(ctx context.Context, name string, deadline time.Time) (float64, error) {
	is := instances.Open(u.root)
	for {
		st, err := is.Get(name)
		if err == nil && st.BootTimeMs > 0 {
			return st.BootTimeMs, nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("its state has no bootTimeMs although the app's line is in the log")
			}
			return 0, fmt.Errorf("instance %s: %w", name, err)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
