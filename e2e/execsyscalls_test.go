package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// The system calls of event loops and thread pools in unmodified programs
// (issue 19): timerfd, signalfd, sched_* and getpriority/setpriority,
// sendmmsg/recvmmsg, and AF_UNIX datagram and seqpacket pairs. One C program,
// testdata/execsyscalls/syscalls.c, compiled with gcc -static by the test,
// checks the answers itself (it gives the same output natively on Linux) and
// prints the times and counts the test compares with CLOCK_MONOTONIC.
func TestExecSyscalls(t *testing.T) {
	t.Parallel()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatalf("gcc not found: this test compiles a static C program with it; install gcc and libc6-dev (apt-get install gcc libc6-dev)")
	}
	dir := t.TempDir()
	prog := filepath.Join(dir, "syscalls")
	src := filepath.Join(repoRoot, "e2e", "testdata", "execsyscalls", "syscalls.c")
	if out, err := exec.Command(cc, "-static", "-O2", "-pthread", "-o", prog, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc -static %s: %v\n%s", src, err, out)
	}
	img := prog + ".img"
	unigo(t, nil, "build", "--exec", prog, "-o", img).expect(t, 0)

	// boot runs the program in one mode. Its first socket call starts the
	// network stack's runtime, with a card or without: mmsg runs with one,
	// pairs without (loopback and AF_UNIX need none, as on Linux).
	boot := func(t *testing.T, mode string, flags ...string) result {
		t.Helper()
		args := append(append([]string{"run"}, flags...), img, "--", mode)
		r := unigoWithin(t, 2*time.Minute, nil, args...)
		r.expect(t, 0, mode+" ok\n")
		return r
	}

	t.Run("sigtimedwait", func(t *testing.T) {
		r := boot(t, "sigtimedwait")
		r.expect(t, 0, "sigwaitinfo=10 signo=10\n", "timeout=-1 eagain=1 ", "from_thread=12\n")
		if ms := scNumber(t, r, "waited_ms"); ms < 100 || ms > 5000 {
			t.Errorf("a 100 ms sigtimedwait returned after %d ms\n%v", ms, r)
		}
	})
	t.Run("timerfd", func(t *testing.T) {
		r := boot(t, "timerfd")
		r.expect(t, 0, "oneshot count=1 ", "edges=3 unread_wait=0 unread_count_ok=1\n", "past count=1\n",
			"absolute count=1 ")
		if ms := scNumber(t, r, "oneshot_ms"); ms < 100 || ms > 5000 {
			t.Errorf("a 100 ms one-shot timer's blocking read took %d ms\n%v", ms, r)
		}
		if ms := scNumber(t, r, "absolute_ms"); ms < 149 || ms > 5000 {
			t.Errorf("an absolute CLOCK_REALTIME deadline 150 ms ahead came after %d ms in poll\n%v", ms, r)
		}
		// A 50 ms periodic timer: its expirations are as many as the
		// periods CLOCK_MONOTONIC saw pass, however few the wake-ups.
		for _, c := range []struct{ count, ms string }{
			{"periodic_epoll expirations", "periodic_epoll_ms"}, {"piled count", "piled_ms"},
			{"periodic_read expirations", "periodic_read_ms"},
		} {
			n, ms := scNumber(t, r, c.count), scNumber(t, r, c.ms)
			if want := ms / 50; n < want-1 || n > want+1 {
				t.Errorf("%s=%d in %d ms of a 50 ms timer, want %d±1\n%v", c.count, n, ms, want, r)
			}
		}
		// Each expiry wakes whoever waits for readiness; a poll of
		// something else must still time out when it asked.
		if ms := scNumber(t, r, "other_poll_ms"); ms < 300 || ms > 700 {
			t.Errorf("a 300 ms poll timeout took %d ms beside a 20 ms timer\n%v", ms, r)
		}
		if wakes := scNumber(t, r, "wakes"); wakes < 1 || wakes > 20 {
			t.Errorf("epoll woke %d times for 20 expirations", wakes)
		}
	})

	t.Run("signalfd", func(t *testing.T) {
		boot(t, "signalfd").expect(t, 0,
			"raised signo=10 code=-6 pid_ok=1\n", // raise: tgkill, SI_TKILL
			"two 10,12\n",
			"epoll signo=12 code=0\n", // kill from another thread: SI_USER
			"blocking signo=10 code=0\n",
			"remasked signo=12\n")
	})

	t.Run("sched", func(t *testing.T) {
		boot(t, "sched").expect(t, 0, "getscheduler=0\n", "priority=0\n",
			"fifo_max=99 fifo_min=1 rr_max=99 other_max=0 other_min=0\n", "after_batch=3\n",
			"raw_getpriority=20\n", "nice=0\n", "nice_after=5\n")
	})

	t.Run("mmsg", func(t *testing.T) {
		boot(t, "mmsg", "--net", "user").expect(t, 0, "pair got=a,bb,ccc\n", "udp got=a,bb,ccc\n")
	})

	t.Run("pairs", func(t *testing.T) {
		boot(t, "pairs", "--net", "none").expect(t, 0,
			"dgram sizes=3,2,4 after_close=-1 errno=11\n", // a datagram pair's peer gone: nothing, no end
			"seqpacket sizes=3,2,4 after_close=0 errno=0\n")
	})

	// The host's SIGTERM (unigo stop), blocked and read from a signalfd.
	t.Run("stop", func(t *testing.T) {
		root := t.TempDir()
		name := fmt.Sprintf("execsyscalls-%d", time.Now().UnixNano())
		in(t, root, "build", "--exec", prog, "-t", name).expect(t, 0)
		t.Cleanup(func() {
			in(t, root, "rm", "-f", name)
			in(t, root, "rmi", name)
			checkNoProcesses(t, root)
		})
		in(t, root, "run", "-d", "--name", name, name, "--", "sigwait").expect(t, 0, name+"\n")
		logsHave(t, root, name, "ready\n")
		in(t, root, "stop", "--time", "30", name).expect(t, 0, name+"\n")
		in(t, root, "logs", name).expect(t, 0, "ready\nsignalfd read signal 15\n")
		if ps := in(t, root, "ps", "-a"); !regexp.MustCompile(name + `\s.*exited \(43\)`).MatchString(ps.stdout) {
			t.Fatalf("ps -a does not show %s as exited (43):\n%v", name, ps)
		}
	})
}

// scNumber is the decimal number after name= (a word, or words a line
// starts with) in the run's stdout.
func scNumber(t *testing.T, r result, name string) int64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)(?:^|\s)` + regexp.QuoteMeta(name) + `=(-?\d+)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no %s= in the output:\n%v", name, r)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}
