package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/qemu"
)

// The guest's network card, through the kernel's private system calls: an
// ARP request to QEMU user networking's gateway gets its reply (the
// transmit and receive paths; QEMU answers while the request is being
// sent, so the reply is there before nic_recv looks), and a burst of more
// frames than the transmit ring holds (whenever the ring is full, the
// sender waits for the card's interrupt: microvm, a virtio-mmio GSI on the
// second I/O APIC; pc, PCI INTx). With a disk as well, the card is in the next virtio slot
// (microvm) or PCI slot (pc). There is no CLI flag for the network yet, so
// the VM is started through vmm.
func TestNICARP(t *testing.T) {
	img := app(t, "nicprobe")
	for _, c := range []struct {
		machine string
		disk    bool
	}{{qemu.MachineMicroVM, false}, {qemu.MachinePC, false}, {qemu.MachineMicroVM, true}, {qemu.MachinePC, true}} {
		name := c.machine
		if c.disk {
			name += "+disk"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			spec := vmm.Spec{Image: img, Options: map[string]string{qemu.OptionMachine: c.machine},
				Cmdline: vmm.Cmdline{Args: []string{"nicprobe"}, Tokens: []string{"debug.boottime"}},
				Net:     &vmm.NetSpec{}}
			if c.disk {
				p := filepath.Join(t.TempDir(), "disk.img")
				if err := os.WriteFile(p, make([]byte, 1<<20), 0o644); err != nil {
					t.Fatal(err)
				}
				spec.Disks = []vmm.Disk{{Path: p}}
			}
			exit, stdout, stderr := bootVM(t, spec)
			if exit.Code() != 0 {
				t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", exit, stdout, stderr)
			}
			for _, want := range []string{
				"nic mac 525400123456 mtu 1500 link 1", // vmm.DefaultMAC
				"gateway 10.0.2.2 is at 52550a000202",  // slirp answers for its addresses with 52:55:IP
				"sent 300 more",
				"truncated to 20",
			} {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", want, stdout, stderr)
				}
			}
			// The exit report counts what the card did (debug.boottime).
			i := strings.Index(stderr, "unigo: stats: nic: ")
			if i < 0 {
				t.Fatalf("no card counters at exit:\n%s", stderr)
			}
			t.Log(strings.SplitN(stderr[i:], "\n", 2)[0])
		})
	}
}

// Without a card the calls say ENODEV (the app fails on nic_info).
func TestNICAbsent(t *testing.T) {
	t.Parallel()
	exit, stdout, _ := bootVM(t, vmm.Spec{Image: app(t, "nicprobe"), Cmdline: vmm.Cmdline{Args: []string{"nicprobe"}}})
	if exit.Code() != 1 || !strings.Contains(stdout, "FAIL nic_info = -1, no such device") {
		t.Fatalf("%v\nstdout:\n%s", exit, stdout)
	}
}

// A thread waiting in nic_recv is woken by the card's interrupt, and
// until then the VM is idle: the wait is a blocked thread and a halted
// CPU, not polling, so QEMU (under TCG every guest instruction costs host
// CPU) uses almost no CPU. The frame that wakes it comes from the host
// while the guest waits: a connection to a forwarded port makes QEMU's
// user network send a TCP SYN to the guest.
func TestNICWaitIsIdleUntilTheInterrupt(t *testing.T) {
	img := app(t, "nicprobe")
	for _, machine := range []string{qemu.MachineMicroVM, qemu.MachinePC} {
		t.Run(machine, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			hostPort := freePort(t)
			pr, pw := io.Pipe()
			var stderr bytes.Buffer // read once the VM has ended
			spec := vmm.Spec{Image: img, Options: map[string]string{qemu.OptionMachine: machine},
				Cmdline: vmm.Cmdline{Args: []string{"nicprobe", "wait"}, Tokens: []string{"debug.boottime"}},
				Net:     &vmm.NetSpec{Forwards: []vmm.Forward{{HostIP: "127.0.0.1", HostPort: hostPort, GuestPort: 80}}},
				Stdout:  pw, Stderr: &stderr}
			vm, err := startVM(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			ended := make(chan vmm.Exit, 1)
			go func() {
				exit, _ := vm.Wait()
				pw.Close()
				ended <- exit
			}()
			defer vm.Stop()
			lines := make(chan string, 100)
			go func() {
				sc := bufio.NewScanner(pr)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var out []string
			waitFor := func(want string, limit time.Duration) {
				t.Helper()
				timeout := time.After(limit)
				for {
					select {
					case l, ok := <-lines:
						if !ok {
							t.Fatalf("the VM ended before printing %q:\n%s", want, strings.Join(out, "\n"))
						}
						out = append(out, l)
						if strings.HasPrefix(l, want) {
							return
						}
					case <-timeout:
						t.Fatalf("no %q line after %v:\n%s", want, limit, strings.Join(out, "\n"))
					}
				}
			}
			waitFor("waiting", time.Minute)

			time.Sleep(500 * time.Millisecond) // the runtime settles
			const window = 3 * time.Second
			before := qemuCPU(t, vm.Pid())
			time.Sleep(window)
			used := qemuCPU(t, vm.Pid()) - before
			t.Logf("QEMU used %v of CPU over %v while the guest waited for a frame", used, window)
			if used > window/10 {
				t.Errorf("QEMU used %v of CPU over %v while the guest waited for a frame: the driver polls", used, window)
			}

			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", hostPort), 10*time.Second)
			if err != nil {
				t.Fatalf("connecting to the forwarded port: %v", err)
			}
			defer c.Close()
			waitFor("woken by a TCP SYN to port 80", 20*time.Second)
			if exit := <-ended; exit.Code() != 0 {
				t.Fatalf("%v\n%s\nstderr:\n%s", exit, strings.Join(out, "\n"), stderr.String())
			}
			// The guest counted the wait and the interrupt that ended it.
			m := regexp.MustCompile(`nic: .* (\d+) interrupts, (\d+) waits for a frame`).FindStringSubmatch(stderr.String())
			if m == nil || m[1] == "0" || m[2] == "0" {
				t.Fatalf("the card's counters show no interrupt or no wait:\n%s", stderr.String())
			}
			t.Logf("%s interrupts, %s waits for a frame", m[1], m[2])
		})
	}
}

// freePort returns a TCP port of the host's loopback that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// qemuCPU is a process's user+system CPU time, from /proc/PID/stat.
func qemuCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	// Fields after the command: state is f[0], utime f[11], stime f[12].
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}
