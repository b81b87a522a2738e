package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"unigo.dev/unigo/guestprof"
)

// TestCPUProfile samples a VM through QEMU's gdbstub (unigo run
// --cpuprofile) and checks the profile: most samples are in the function
// the app spends its time in, and the frame-pointer walk found its caller;
// its half second of sleep shows as idle samples of one frame, not as the
// stack of whichever thread halted.
func TestCPUProfile(t *testing.T) {
	img := app(t, "busy")
	out := filepath.Join(t.TempDir(), "cpu.pprof")
	r := run(t, img, "--accel", "tcg", "--cpuprofile", out)
	r.expect(t, 0, "busy: true", "stderr:unigo: wrote "+out)
	checkProfile(t, out)
}

// An image of the store boots without its DWARF, which the store keeps
// apart: the profile is symbolized from it all the same, inlined frames
// included.
func TestCPUProfileOfStoredImage(t *testing.T) {
	root := t.TempDir()
	in(t, root, "build", "-t", "busy", "./e2e/testdata/busy").expect(t, 0)
	out := filepath.Join(t.TempDir(), "cpu.pprof")
	r := in(t, root, "run", "--accel", "tcg", "--cpuprofile", out, "busy")
	r.expect(t, 0, "busy: true", "stderr:unigo: wrote "+out)
	if strings.Contains(r.stderr, "no debug information") {
		t.Errorf("the stored image's debug file was not found:\n%v", r)
	}
	p := checkProfile(t, out)
	if !p.Mapping[0].HasInlineFrames {
		t.Error("the profile has no inlined frames")
	}
}

func checkProfile(t *testing.T, out string) *profile.Profile {
	t.Helper()
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatalf("not a pprof profile: %v", err)
	}
	in := func(s *profile.Sample, fn string) bool {
		for _, l := range s.Location {
			for _, line := range l.Line {
				if line.Function.Name == fn {
					return true
				}
			}
		}
		return false
	}
	hot, withCaller, idle := 0, 0, 0
	for _, s := range p.Sample {
		if in(s, "unigo.dev/unigo/kernel/devices/lapic.WaitForInterrupt") {
			t.Fatalf("a sample still has the halt's stack: %d frames", len(s.Location))
		}
		if in(s, guestprof.IdleFunction) {
			idle++
			if len(s.Location) != 1 {
				t.Fatalf("an idle sample has %d locations, want 1", len(s.Location))
			}
		}
		if in(s, "main.hotLoop") {
			hot++
			if in(s, "main.outer") && in(s, "main.main") {
				withCaller++
			}
		}
	}
	n := len(p.Sample)
	t.Logf("%d samples, %d in main.hotLoop, %d of them under main.outer and main.main, %d idle", n, hot, withCaller, idle)
	if idle < 10 {
		t.Fatalf("want at least 10 idle samples for the app's 0.5 s of sleep, got %d", idle)
	}
	// 100 per second for the app's 2 s of computing, less under emulation's
	// start-up; boot and exit take their share.
	if n < 50 || hot*2 < n || withCaller*10 < hot*9 {
		t.Fatalf("want at least 50 samples, half in main.hotLoop, 90%% of those with its callers; got %d, %d, %d", n, hot, withCaller)
	}
	return p
}
