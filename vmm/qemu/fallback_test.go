package qemu

import (
	"unigo.dev/unigo/vmm"

	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unigo.dev/unigo/build"
	"unigo.dev/unigo/vmm/floorguest"
)

// fakeHost points the KVM failure record at temporary files: a cache
// directory, a boot ID, and a "QEMU" that prints version. It returns the
// fake QEMU's path.
func fakeHost(t *testing.T, id, version string) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	setBootID(t, id)
	bin := filepath.Join(dir, "qemu")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho '"+version+"'\necho 'Copyright'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

func setBootID(t *testing.T, id string) {
	t.Helper()
	old := hostBootID
	hostBootID = func() (string, error) { return id, nil }
	t.Cleanup(func() { hostBootID = old })
}

func TestKVMRecordFormat(t *testing.T) {
	rec := kvmRecord{BootID: "b-1", QEMU: "/usr/bin/qemu", QEMUVersion: "QEMU emulator version 7.2.0", QEMUFile: "1024 1700000000 42", Reason: "KVM internal error.\nSuberror: 1"}
	got, err := parseKVMRecord(rec.marshal())
	if err != nil {
		t.Fatal(err)
	}
	rec.Reason = "KVM internal error. Suberror: 1" // one line in the file
	if got != rec {
		t.Errorf("round trip: %+v, want %+v", got, rec)
	}
	for _, bad := range []string{"", "garbage\n", "boot-id: x\nqemu: /q\nqemu-version: v\n", "boot-id: \nqemu: /q\nqemu-version: v\nqemu-file: 1 2 3\nreason: r\n"} {
		if _, err := parseKVMRecord([]byte(bad)); err == nil {
			t.Errorf("parseKVMRecord(%q) accepted it", bad)
		}
	}
}

func TestKVMRecord(t *testing.T) {
	bin := fakeHost(t, "boot-1", "QEMU emulator version 7.2.22")
	if reason, _ := kvmRecorded(bin); reason != "" {
		t.Fatalf("recorded before anything was written: %q", reason)
	}
	path, err := recordKVMFailure(bin, "KVM internal error (emulation failure)")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(os.Getenv("XDG_CACHE_HOME"), "unigo", "kvm-unusable"); path != want {
		t.Errorf("recorded in %s, want %s", path, want)
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{"boot-id: boot-1\n", "qemu: " + bin + "\n", "qemu-version: QEMU emulator version 7.2.22\n", "reason: KVM internal error (emulation failure)\n"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("record lacks %q:\n%s", want, data)
		}
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("the cache directory holds %d files, want just the record (no temporary files)", len(ents))
	}
	if reason, p := kvmRecorded(bin); reason != "KVM internal error (emulation failure)" || p != path {
		t.Errorf("kvmRecorded = %q, %q", reason, p)
	}

	// Another QEMU binary, another version of it, another boot: stale.
	other := filepath.Join(filepath.Dir(bin), "other-qemu")
	os.Symlink(bin, other)
	if reason, _ := kvmRecorded(other); reason != "" {
		t.Errorf("another QEMU binary matched: %q", reason)
	}
	os.WriteFile(bin, []byte("#!/bin/sh\necho 'QEMU emulator version 8.0.0'\n"), 0o755)
	if reason, _ := kvmRecorded(bin); reason != "" {
		t.Errorf("another QEMU version matched: %q", reason)
	}
	os.WriteFile(bin, []byte("#!/bin/sh\necho 'QEMU emulator version 7.2.22'\n"), 0o755)
	if reason, _ := kvmRecorded(bin); reason == "" {
		t.Errorf("the same QEMU again did not match")
	}
	setBootID(t, "boot-2")
	if reason, _ := kvmRecorded(bin); reason != "" {
		t.Errorf("a record from another boot matched: %q", reason)
	}

	// A broken record is no record.
	os.WriteFile(path, []byte("boot-id: boot-2\n"), 0o644)
	if reason, _ := kvmRecorded(bin); reason != "" {
		t.Errorf("a broken record matched: %q", reason)
	}
}

func TestChooseAccelWithRecord(t *testing.T) {
	bin := fakeHost(t, "boot-1", "QEMU emulator version 7.2.22")
	dev := filepath.Join(t.TempDir(), "kvm")
	os.WriteFile(dev, nil, 0o600)
	old := kvmDevice
	kvmDevice = dev // "usable": it opens read-write
	t.Cleanup(func() { kvmDevice = old })

	for _, want := range []string{"", "auto"} {
		a, mayFallBack, err := chooseAccel(want, bin)
		if err != nil || a.Name != "kvm" || !mayFallBack {
			t.Errorf("chooseAccel(%q) without a record = %+v, %v, %v; want kvm that may fall back", want, a, mayFallBack, err)
		}
	}
	path, err := recordKVMFailure(bin, "KVM internal error")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		want, name, why string
	}{
		{"", "tcg", "KVM failed on this host earlier this boot: KVM internal error; recorded in " + path},
		{"auto", "tcg", "KVM failed on this host earlier this boot"},
		{"kvm", "kvm", "asked for"}, // an explicit choice ignores the record
		{"tcg", "tcg", "asked for"},
	} {
		a, mayFallBack, err := chooseAccel(tt.want, bin)
		if err != nil || a.Name != tt.name || !strings.Contains(a.Why, tt.why) || mayFallBack {
			t.Errorf("chooseAccel(%q) = %+v, %v, %v; want %s (%s) without fallback", tt.want, a, mayFallBack, err, tt.name, tt.why)
		}
	}
}

// kvmOnlyFailure writes a floor guest that, after its first skip bytes of
// code, asks CPUID for the hypervisor's signature and, under KVM only,
// jumps into the local APIC's MMIO page: KVM cannot fetch instructions from
// a device and reports an internal error. Under TCG it runs as usual.
func kvmOnlyFailure(t *testing.T, skip int) string {
	t.Helper()
	check := []byte{
		0xb8, 0x00, 0x00, 0x00, 0x40, // mov eax, 0x40000000
		0x0f, 0xa2, // cpuid
		0x81, 0xfb, 'K', 'V', 'M', 'K', // cmp ebx, "KVMK"
		0x75, 0x07, // jne +7
		0xb8, 0x00, 0x00, 0xe0, 0xfe, // mov eax, 0xfee00000
		0xff, 0xe0, // jmp eax
	}
	return floorImage(t, func(b []byte) []byte {
		start := bytes.Index(b, []byte("\xfc\x66\xba\xf8\x03\xbe")) // cld; mov dx, 0x3f8; mov esi, …
		end := bytes.Index(b, []byte("\xfa\xf4\xeb\xfc"))           // halt: cli; hlt; jmp halt
		if start < 0 || end < start || !bytes.Equal(b[end+4:end+4+len(check)], make([]byte, len(check))) {
			t.Fatal("cannot find room for the KVM check in the floor guest")
		}
		code := append(append(append([]byte{}, b[start:start+skip]...), check...), b[start+skip:end+4]...)
		copy(b[start:], code)
		return b
	})
}

func needKVM(t *testing.T) {
	t.Helper()
	needQEMU(t)
	if probeKVM() != nil {
		t.Skip("no usable KVM")
	}
}

func TestKVMFallback(t *testing.T) {
	needKVM(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	img := kvmOnlyFailure(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const warning = "unigo: KVM failed on this host (KVM internal error"

	// Explicit KVM: the failure, as it is.
	r := boot(t, ctx, vmm.Spec{Image: img, Options: map[string]string{OptionAccel: "kvm"}})
	if r.exit.Reason != vmm.VMFailed || !strings.Contains(r.exit.Detail, "KVM internal error") || strings.Contains(r.verbose, warning) {
		t.Fatalf("--accel kvm: exit %+v\n%s", r.exit, r.verbose)
	}
	cache, _ := kvmCachePath()
	if _, err := os.Stat(cache); err == nil {
		t.Errorf("--accel kvm recorded its failure")
	}

	// Automatic choice: KVM fails before the guest wrote anything, TCG runs
	// it; the writers see one run, the warning goes to Stderr without Verbose.
	var stdout, stderr bytes.Buffer
	vm, err := (&QEMU{}).Start(ctx, vmm.Spec{Image: img, Stdout: &stdout, Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	exit, err := vm.Wait()
	if err != nil || exit != (vmm.Exit{Reason: vmm.Exited}) || stdout.String() != floorguest.Stdout {
		t.Errorf("auto: exit %+v, %v, stdout %q", exit, err, stdout.String())
	}
	lines := strings.Split(stderr.String(), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], warning) || !strings.HasSuffix(lines[0], "using software emulation (TCG) — set UNIGO_ACCEL=tcg to skip the attempt") || lines[1] != "" {
		t.Errorf("stderr is not one warning line: %q", stderr.String())
	}
	rec, err := os.ReadFile(cache)
	if err != nil {
		t.Fatalf("the failure was not recorded: %v", err)
	}
	id, _ := hostBootID()
	if !bytes.Contains(rec, []byte("boot-id: "+id+"\n")) {
		t.Errorf("the record lacks this boot's ID:\n%s", rec)
	}

	// Recorded: straight to TCG, saying why.
	r = boot(t, ctx, vmm.Spec{Image: img})
	if r.exit != (vmm.Exit{Reason: vmm.Exited}) || r.stdout != floorguest.Stdout || r.stderr != "" {
		t.Errorf("after the record: exit %+v, stdout %q, stderr %q", r.exit, r.stdout, r.stderr)
	}
	if strings.Contains(r.verbose, "accelerator: kvm") || !strings.Contains(r.verbose, "accelerator: tcg (software emulation, KVM failed on this host earlier this boot: KVM internal error") {
		t.Errorf("after the record, verbose output:\n%s", r.verbose)
	}

	// Without the record, with Verbose: the warning and the record's path go
	// there, the first attempt shows too.
	os.Remove(cache)
	r = boot(t, ctx, vmm.Spec{Image: img, Options: map[string]string{OptionAccel: "auto"}})
	if r.exit != (vmm.Exit{Reason: vmm.Exited}) || r.stdout != floorguest.Stdout || r.stderr != "" {
		t.Errorf("auto, verbose: exit %+v, stdout %q, stderr %q", r.exit, r.stdout, r.stderr)
	}
	for _, want := range []string{"accelerator: kvm", warning, "recorded the KVM failure in " + cache, "accelerator: tcg (software emulation, KVM failed on this host: KVM internal error"} {
		if strings.Count(r.verbose, want) != 1 {
			t.Errorf("verbose output has not one %q:\n%s", want, r.verbose)
		}
	}
}

func TestNoFallbackAfterGuestOutput(t *testing.T) {
	needKVM(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	// The guest writes to COM1, then KVM fails: that is no longer a host
	// that cannot run the guest at all, and the output cannot be taken back.
	img := kvmOnlyFailure(t, 17) // after cld, mov dx, mov esi, mov ecx, rep outsb
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := boot(t, ctx, vmm.Spec{Image: img})
	if r.exit.Reason != vmm.VMFailed || r.stdout != floorguest.Stdout || strings.Contains(r.verbose, "using software emulation") {
		t.Errorf("exit %+v, stdout %q\n%s", r.exit, r.stdout, r.verbose)
	}
	if cache, _ := kvmCachePath(); fileExists(cache) {
		t.Errorf("the failure was recorded")
	}
	// Under TCG, the same guest is fine.
	r = boot(t, ctx, vmm.Spec{Image: img, Options: map[string]string{OptionAccel: "tcg"}})
	if r.exit != (vmm.Exit{Reason: vmm.Exited}) || r.stdout != floorguest.Stdout {
		t.Errorf("tcg: exit %+v, stdout %q\n%s", r.exit, r.stdout, r.verbose)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestBootHelloAuto boots a real unigo image with the automatic accelerator:
// on a host where KVM cannot run the kernel it must fall back to TCG.
func TestBootHelloAuto(t *testing.T) {
	needQEMU(t)
	if testing.Short() {
		t.Skip("builds a real image")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	img := filepath.Join(t.TempDir(), "hello.img")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	if _, err := build.Build(ctx, build.Options{Package: "../../examples/hello", Output: img, Progress: &progress}); err != nil {
		t.Fatalf("building hello: %v\n%s", err, progress.String())
	}
	for i := 0; i < 2; i++ { // the second run follows the record, if any
		r := boot(t, ctx, vmm.Spec{Image: img, Cmdline: vmm.Cmdline{Args: []string{"hello"}}})
		if r.exit != (vmm.Exit{Reason: vmm.Exited}) || r.stdout != "Hello from a unigo unikernel!\n" || r.stderr != "" {
			t.Fatalf("run %d: exit %+v, stdout %q, stderr %q\n%s", i+1, r.exit, r.stdout, r.stderr, r.verbose)
		}
		t.Logf("run %d: %s", i+1, firstLines(r.verbose, 1))
	}
}

// While the QEMU binary is the file recorded, a start does not run it to
// learn its version; a changed file is asked again, and recorded anew.
func TestKVMRecordSparesQEMURuns(t *testing.T) {
	bin := fakeHost(t, "boot-1", "QEMU emulator version 7.2.22")
	runs := filepath.Join(t.TempDir(), "runs")
	script := "#!/bin/sh\necho run >> " + runs + "\necho 'QEMU emulator version 7.2.22'\n"
	os.WriteFile(bin, []byte(script), 0o755)
	if _, err := recordKVMFailure(bin, "KVM internal error"); err != nil {
		t.Fatal(err)
	}
	count := func() int { b, _ := os.ReadFile(runs); return bytes.Count(b, []byte("run\n")) }
	for range 3 {
		if reason, _ := kvmRecorded(bin); reason != "KVM internal error" {
			t.Fatalf("kvmRecorded = %q", reason)
		}
	}
	if n := count(); n != 1 {
		t.Errorf("QEMU ran %d times (the record's once, then none), want 1", n)
	}
	os.WriteFile(bin, []byte(script+"# reinstalled\n"), 0o755) // the same version, another file
	if reason, _ := kvmRecorded(bin); reason != "KVM internal error" {
		t.Fatalf("the same version reinstalled: kvmRecorded = %q", reason)
	}
	kvmRecorded(bin)
	if n := count(); n != 2 {
		t.Errorf("QEMU ran %d times after its file changed, want one more (then recorded anew)", n)
	}
}
