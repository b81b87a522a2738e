package harness

import (
	"encoding/binary"
	"testing"
)

// TestRunBPF runs a filter shaped like libseccomp's: check the
// architecture, allow read (0) and write (1), allow ioctl (16) only with a
// zero second argument, refuse the rest with EPERM.
func TestRunBPF(t *testing.T) {
	const (
		ldW  = 0x20 // BPF_LD|BPF_W|BPF_ABS
		jeqK = 0x15 // BPF_JMP|BPF_JEQ|BPF_K
		retK = 0x06
	)
	prog := []bpfInsn{
		{ldW, 0, 0, 4}, // arch
		{jeqK, 1, 0, auditArchX86_64},
		{retK, 0, 0, 0x00000000}, // KILL
		{ldW, 0, 0, 0},           // nr
		{jeqK, 5, 0, 0},          // read → allow
		{jeqK, 4, 0, 1},          // write → allow
		{jeqK, 1, 0, 16},         // ioctl → check arg
		{retK, 0, 0, 0x00050001}, // ERRNO(EPERM)
		{ldW, 0, 0, 24},          // args[1] low half
		{jeqK, 0, 1, 0},
		{retK, 0, 0, 0x7fff0000}, // ALLOW
		{retK, 0, 0, 0x00050001},
	}
	n, err := seccompAllowed([][]bpfInsn{prog})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("allowed = %d, want 3 (read, write, ioctl with zero arguments)", n)
	}
	data := make([]byte, 64)
	binary.LittleEndian.PutUint32(data[0:], 16)
	binary.LittleEndian.PutUint32(data[4:], auditArchX86_64)
	binary.LittleEndian.PutUint32(data[24:], 0x5401)
	if ret, _ := runBPF(prog, data); ret != 0x00050001 {
		t.Errorf("ioctl(fd, TCGETS): %#x, want ERRNO", ret)
	}
	// Two filters: the stricter wins.
	deny := []bpfInsn{{ldW, 0, 0, 0}, {jeqK, 0, 1, 1}, {retK, 0, 0, 0x00050001}, {retK, 0, 0, 0x7fff0000}}
	if n, _ := seccompAllowed([][]bpfInsn{prog, deny}); n != 2 {
		t.Errorf("with a filter refusing write: allowed = %d, want 2", n)
	}
}

func TestParseSyscallsLine(t *testing.T) {
	if n, ok := ParseSyscallsLine("[    1.2] unigo-bench: syscalls 345\r\n"); !ok || n != 345 {
		t.Errorf("got %d %v", n, ok)
	}
	if _, ok := ParseSyscallsLine("unigo-bench: syscalls: mounting tracefs: EPERM"); ok {
		t.Error("an error line parsed as a count")
	}
}
