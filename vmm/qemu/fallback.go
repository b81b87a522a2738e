package qemu

// Falling back from KVM to TCG.
//
// /dev/kvm opening read-write does not prove that KVM can run a unigo
// kernel. Under nested virtualization (CI machines, cloud VMs) the outer
// hypervisor may leave KVM an instruction to emulate that it cannot, and KVM
// then stops the guest at boot with "KVM internal error ... emulation
// failure", before the guest has written anything. On such a host every
// `unigo run` with the default accelerator would fail.
//
// So when the accelerator was chosen automatically (the accel option "" or
// "auto"), and the VM ends with VMFailed under KVM before the guest wrote a
// single byte to COM1, COM2 or the control channel, the same Spec runs once
// more under TCG, after one warning line. Nothing is buffered for this: the
// guest's output goes to the Spec's writers as it comes, and the retry is
// only made when there was none, so the caller sees the output of exactly
// one run. A failure after the guest has written is the guest's (or KVM's)
// failure as usual, and is reported as such.
//
// The failure is recorded in a cache file, keyed by the host's boot ID and
// the QEMU binary's path and version (its file's identity — size, time,
// inode — spares running `qemu -version` at every start while the file is
// the one recorded); while these match, automatic choices
// take TCG at once (Accel.Why says why; `unigo run -v` shows it). A reboot
// or another QEMU makes KVM worth trying again. An explicit "kvm" ignores
// the record and never falls back: it runs KVM and reports its real failure.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"unigo.dev/unigo/internal/atomicfile"
	"unigo.dev/unigo/vmm"
)

// hostBootID is the host's boot ID (a variable for the tests).
var hostBootID = vmm.HostBootID

// kvmRecord is the content of the cache file: where KVM failed, and how.
type kvmRecord struct {
	BootID      string // the host's boot ID then
	QEMU        string // the QEMU binary's path
	QEMUVersion string // the first line of its -version output
	QEMUFile    string // the binary's identity then (fileIdentity)
	Reason      string // the VM's Exit.Detail
}

// The cache file's lines are "key: value", with these keys.
var kvmRecordKeys = []string{"boot-id", "qemu", "qemu-version", "qemu-file", "reason"}

func (r *kvmRecord) fields() []*string {
	return []*string{&r.BootID, &r.QEMU, &r.QEMUVersion, &r.QEMUFile, &r.Reason}
}

func (r kvmRecord) marshal() []byte {
	var b bytes.Buffer
	b.WriteString("# unigo: KVM could not run a unigo guest on this host; automatic accelerator\n")
	b.WriteString("# choices use TCG while the boot ID and QEMU match. Delete this file to retry KVM.\n")
	for i, f := range r.fields() {
		fmt.Fprintf(&b, "%s: %s\n", kvmRecordKeys[i], oneLine(*f))
	}
	return b.Bytes()
}

func parseKVMRecord(data []byte) (kvmRecord, error) {
	var r kvmRecord
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ": ")
		for i, f := range r.fields() {
			if ok && key == kvmRecordKeys[i] {
				*f = val
				seen |= 1 << i
			}
		}
	}
	if seen != 1<<len(kvmRecordKeys)-1 || r.BootID == "" || r.QEMU == "" {
		return kvmRecord{}, fmt.Errorf("not a record of a KVM failure")
	}
	return r, nil
}

// kvmCachePath is $XDG_CACHE_HOME/unigo/kvm-unusable, or
// ~/.cache/unigo/kvm-unusable without it.
func kvmCachePath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "unigo", "kvm-unusable"), nil
}

// fileIdentity names the file at bin as it is now: its size, modification
// time and inode ("" when it cannot be read). Another file or a changed one
// has another.
func fileIdentity(bin string) string {
	fi, err := os.Stat(bin)
	if err != nil {
		return ""
	}
	ino := uint64(0)
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	return fmt.Sprintf("%d %d %d", fi.Size(), fi.ModTime().UnixNano(), ino)
}

// qemuVersion is the first line of `bin -version`.
func qemuVersion(bin string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-version").Output()
	if err != nil {
		return "", fmt.Errorf("%s -version: %w", bin, err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if first = strings.TrimSpace(first); first == "" {
		return "", fmt.Errorf("%s -version printed nothing", bin)
	}
	return first, nil
}

// kvmRecorded returns the recorded reason why KVM cannot run guests with the
// QEMU at bin on this boot of the host, and the record's path; reason is ""
// when there is no such record (or it is unreadable, or stale).
func kvmRecorded(bin string) (reason, path string) {
	path, err := kvmCachePath()
	if err != nil {
		return "", ""
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", ""
	}
	rec, err := parseKVMRecord(data)
	if err != nil || rec.QEMU != absPath(bin) {
		return "", ""
	}
	if id, err := hostBootID(); err != nil || id != rec.BootID {
		return "", ""
	}
	if fileIdentity(bin) == rec.QEMUFile {
		return rec.Reason, path // the very file whose version was recorded
	}
	// Last, as it runs QEMU: only when everything else matches. The same
	// version in another file (reinstalled) is recorded as this one.
	if v, err := qemuVersion(bin); err != nil || v != rec.QEMUVersion {
		return "", ""
	}
	rec.QEMUFile = fileIdentity(bin)
	atomicfile.Write(path, rec.marshal(), 0o644)
	return rec.Reason, path
}

// recordKVMFailure writes the cache file (atomically) and returns its path.
func recordKVMFailure(bin, reason string) (string, error) {
	path, err := kvmCachePath()
	if err != nil {
		return "", err
	}
	rec := kvmRecord{QEMU: absPath(bin), Reason: reason}
	if rec.BootID, err = hostBootID(); err != nil {
		return "", err
	}
	if rec.QEMUVersion, err = qemuVersion(bin); err != nil {
		return "", err
	}
	rec.QEMUFile = fileIdentity(bin)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return path, atomicfile.Write(path, rec.marshal(), 0o644)
}

// chooseAccel is ChooseAccel plus the record of KVM failures: an automatic
// choice of KVM becomes TCG while a failure with this QEMU is recorded for
// this boot. mayFallBack says that a VM started with the result may retry
// under TCG (KVM was chosen automatically).
func chooseAccel(want, bin string) (accel Accel, mayFallBack bool, err error) {
	accel, err = ChooseAccel(want)
	if err != nil || accel.Name != "kvm" || (want != "" && want != "auto") {
		return accel, false, err
	}
	if reason, path := kvmRecorded(bin); reason != "" {
		return tcgAfterKVM(fmt.Sprintf("KVM failed on this host earlier this boot: %s; recorded in %s, delete it to try KVM again", reason, path)), false, nil
	}
	return accel, true, nil
}

func tcgAfterKVM(why string) Accel {
	return Accel{Name: "tcg", CPU: tcgCPU, Why: "software emulation, " + why}
}

// fallbackVM is a VM started under automatically chosen KVM: it runs the
// Spec again under TCG if KVM fails before the guest wrote anything.
type fallbackVM struct {
	q    *QEMU
	ctx  context.Context
	spec vmm.Spec
	opts options
	bin  string

	mu      sync.Mutex
	cur     *qemuVM // the KVM attempt, then the TCG one
	stopped bool

	once sync.Once
	exit vmm.Exit
	err  error
}

// Stop implements vmm.VM.
func (f *fallbackVM) Stop() {
	f.mu.Lock()
	f.stopped = true
	vm := f.cur
	f.mu.Unlock()
	vm.Stop()
}

// Signal implements vmm.VM.
func (f *fallbackVM) Signal(sig int) error { return f.current().Signal(sig) }

// Pid implements vmm.VM.
func (f *fallbackVM) Pid() int { return f.current().Pid() }

// Checkpoint implements vmm.Checkpointer on the attempt running now.
func (f *fallbackVM) Checkpoint(file *os.File) error { return f.current().Checkpoint(file) }

// Continue implements vmm.Checkpointer on the attempt running now.
func (f *fallbackVM) Continue() error { return f.current().Continue() }

func (f *fallbackVM) current() *qemuVM {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur
}

// Wait implements vmm.VM.
func (f *fallbackVM) Wait() (vmm.Exit, error) {
	f.once.Do(func() { f.exit, f.err = f.wait() })
	return f.exit, f.err
}

func (f *fallbackVM) wait() (vmm.Exit, error) {
	kvm := f.cur
	exit, err := kvm.Wait()
	if err != nil || exit.Reason != vmm.VMFailed || kvm.guestWrote.Load() {
		return exit, err
	}
	f.mu.Lock()
	if f.stopped || f.ctx.Err() != nil {
		f.mu.Unlock()
		return vmm.Exit{Reason: vmm.Stopped}, nil
	}
	warn := f.spec.Verbose
	if warn == nil {
		warn = orDiscard(f.spec.Stderr)
	}
	fmt.Fprintf(warn, "unigo: KVM failed on this host (%s); using software emulation (TCG) — set UNIGO_ACCEL=tcg to skip the attempt\n", exit.Detail)
	path, recErr := recordKVMFailure(f.bin, exit.Detail)
	if f.spec.Verbose != nil {
		if recErr != nil {
			fmt.Fprintf(f.spec.Verbose, "cannot record the KVM failure, the next run will try KVM again: %v\n", recErr)
		} else {
			fmt.Fprintf(f.spec.Verbose, "recorded the KVM failure in %s: automatic choices use TCG until the host reboots\n", path)
		}
	}
	tcg, err := f.q.start(f.ctx, f.spec, f.opts, f.bin, tcgAfterKVM("KVM failed on this host: "+exit.Detail))
	if err == nil {
		f.cur = tcg
	}
	f.mu.Unlock()
	if err != nil {
		return vmm.Exit{}, err
	}
	return tcg.Wait()
}

// wroteReader notes in *wrote that something was read through it: the guest
// wrote to one of its output channels.
type wroteReader struct {
	r     io.Reader
	wrote *atomic.Bool
}

func (w wroteReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.wrote.Store(true)
	}
	return n, err
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
