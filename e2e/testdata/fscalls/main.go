// Command fscalls checks the file and network calls real programs use
// beyond the basics, each against what Linux answers: flock and OFD locks
// that conflict between two descriptions of one file, POSIX record locks
// that do not conflict within the process, fallocate, statfs and fstatfs,
// prctl, and the interfaces listed through netlink (net.Interfaces). It
// prints "ok NAME" per check, and "passed" at the end; the first failure
// prints "FAIL ..." and exits 1. Its argument is a directory on an ext2
// volume ("" when it has none).
package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func fail(format string, a ...any) {
	fmt.Printf("FAIL "+format+"\n", a...)
	os.Exit(1)
}

func check(what string, err error) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func want(what string, err, wantErr error) {
	if err != wantErr {
		fail("%s: got %v, want %v", what, err, wantErr)
	}
}

func open(path string) int {
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CREAT|syscall.O_CLOEXEC, 0o644)
	check("open "+path, err)
	return fd
}

// OFD lock commands (not in package syscall).
const (
	fOFDGetlk  = 36
	fOFDSetlk  = 37
	fOFDSetlkw = 38
)

func fcntlLock(fd, cmd int, typ int16, start, length int64) (syscall.Flock_t, error) {
	l := syscall.Flock_t{Type: typ, Whence: 0, Start: start, Len: length}
	_, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), uintptr(unsafe.Pointer(&l)))
	if e != 0 {
		return l, e
	}
	return l, nil
}

func flocks(dir string) {
	path := dir + "/flock"
	a, b := open(path), open(path)
	check("flock a EX", syscall.Flock(a, syscall.LOCK_EX|syscall.LOCK_NB))
	want("flock b SH under a's EX", syscall.Flock(b, syscall.LOCK_SH|syscall.LOCK_NB), syscall.EWOULDBLOCK)
	c, err := syscall.Dup(a) // the same description: the lock is c's too
	check("dup", err)
	check("flock c EX (a's own lock)", syscall.Flock(c, syscall.LOCK_EX|syscall.LOCK_NB))
	check("close a", syscall.Close(a))
	want("flock b after closing a (c keeps the lock)", syscall.Flock(b, syscall.LOCK_EX|syscall.LOCK_NB), syscall.EWOULDBLOCK)
	check("close c", syscall.Close(c))
	check("flock b after the last close", syscall.Flock(b, syscall.LOCK_EX|syscall.LOCK_NB))
	// A blocking flock waits until another thread lets go.
	d := open(path)
	got := make(chan error)
	go func() {
		runtime.LockOSThread()
		got <- syscall.Flock(d, syscall.LOCK_SH)
	}()
	select {
	case err := <-got:
		fail("a blocking flock under an exclusive lock returned at once: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	check("flock b UN", syscall.Flock(b, syscall.LOCK_UN))
	select {
	case err := <-got:
		check("the waiting flock", err)
	case <-time.After(10 * time.Second):
		fail("the waiting flock did not wake when the lock was released")
	}
	want("flock b EX under d's SH", syscall.Flock(b, syscall.LOCK_EX|syscall.LOCK_NB), syscall.EWOULDBLOCK)
	syscall.Close(d)
	syscall.Close(b)
	fmt.Println("ok flock")
}

func recordLocks(dir string) {
	path := dir + "/records"
	a, b, c := open(path), open(path), open(path)
	// OFD locks: per description, so a and b conflict.
	_, err := fcntlLock(a, fOFDSetlk, syscall.F_WRLCK, 0, 10)
	check("OFD write lock on a", err)
	_, err = fcntlLock(b, fOFDSetlk, syscall.F_RDLCK, 5, 1)
	want("OFD read lock on b over a's write lock", err, syscall.EAGAIN)
	l, err := fcntlLock(b, fOFDGetlk, syscall.F_RDLCK, 0, 0)
	check("F_OFD_GETLK", err)
	if l.Type != syscall.F_WRLCK || l.Start != 0 || l.Len != 10 || l.Pid != -1 {
		fail("F_OFD_GETLK = %+v, want the write lock 0+10 of pid -1", l)
	}
	_, err = fcntlLock(a, fOFDSetlk, syscall.F_UNLCK, 0, 0)
	check("OFD unlock", err)
	// POSIX locks: the process's, whichever descriptor took them.
	check("POSIX write lock on a", syscall.FcntlFlock(uintptr(a), syscall.F_SETLK, &syscall.Flock_t{Type: syscall.F_WRLCK, Len: 100}))
	check("POSIX write lock on b over a's (same process)", syscall.FcntlFlock(uintptr(b), syscall.F_SETLK, &syscall.Flock_t{Type: syscall.F_WRLCK, Start: 50, Len: 100}))
	q := syscall.Flock_t{Type: syscall.F_WRLCK, Len: 0}
	check("F_GETLK", syscall.FcntlFlock(uintptr(b), syscall.F_GETLK, &q))
	if q.Type != syscall.F_UNLCK {
		fail("F_GETLK reports the process's own lock: %+v", q)
	}
	_, err = fcntlLock(c, fOFDSetlk, syscall.F_RDLCK, 0, 1)
	want("OFD lock on c over the POSIX lock", err, syscall.EAGAIN)
	l, err = fcntlLock(c, fOFDGetlk, syscall.F_WRLCK, 120, 1)
	check("F_OFD_GETLK over the POSIX lock", err)
	if l.Type != syscall.F_WRLCK || l.Start != 0 || l.Len != 150 || l.Pid != int32(os.Getpid()) {
		fail("F_OFD_GETLK = %+v, want the merged POSIX lock 0+150 of pid %d", l, os.Getpid())
	}
	// Closing any descriptor of the file ends the process's POSIX locks.
	check("close b", syscall.Close(b))
	_, err = fcntlLock(c, fOFDSetlkw, syscall.F_WRLCK, 0, 0)
	check("OFD lock on c after close(b)", err)
	want("POSIX lock on a under c's OFD lock",
		syscall.FcntlFlock(uintptr(a), syscall.F_SETLK, &syscall.Flock_t{Type: syscall.F_RDLCK, Len: 1}), syscall.EAGAIN)
	syscall.Close(c) // c's OFD lock goes with its description
	check("POSIX lock on a after close(c)",
		syscall.FcntlFlock(uintptr(a), syscall.F_SETLK, &syscall.Flock_t{Type: syscall.F_RDLCK, Len: 1}))
	syscall.Close(a)
	fmt.Println("ok record locks")
}

func fallocate(tmp, vol string) {
	fd := open(tmp + "/falloc")
	check("fallocate on tmpfs", syscall.Fallocate(fd, 0, 0, 1<<20))
	var st syscall.Stat_t
	check("fstat", syscall.Fstat(fd, &st))
	if st.Size != 1<<20 || st.Blocks < (1<<20)/512 {
		fail("after fallocate: size %d, blocks %d", st.Size, st.Blocks)
	}
	check("fallocate KEEP_SIZE", syscall.Fallocate(fd, 1, 0, 4<<20))
	check("fstat", syscall.Fstat(fd, &st))
	if st.Size != 1<<20 {
		fail("KEEP_SIZE changed the size to %d", st.Size)
	}
	want("fallocate PUNCH_HOLE", syscall.Fallocate(fd, 3, 0, 4096), syscall.EOPNOTSUPP)
	want("fallocate length 0", syscall.Fallocate(fd, 0, 0, 0), syscall.EINVAL)
	syscall.Close(fd)
	if vol != "" {
		fd := open(vol + "/falloc")
		want("fallocate on ext2", syscall.Fallocate(fd, 0, 0, 4096), syscall.EOPNOTSUPP)
		syscall.Close(fd)
	}
	fmt.Println("ok fallocate")
}

func statfs(tmp, vol string) {
	var s syscall.Statfs_t
	check("statfs /", syscall.Statfs("/", &s))
	// The root is read-only (ST_RDONLY) exactly when a file cannot be made
	// there (unigo run --read-only).
	probe, err := syscall.Open("/statfs-probe", syscall.O_RDWR|syscall.O_CREAT, 0o644)
	if err == nil {
		syscall.Close(probe)
		syscall.Unlink("/statfs-probe")
	}
	if s.Type != 0x01021994 || (s.Flags&1 != 0) != (err == syscall.EROFS) || s.Bsize != 4096 || s.Blocks == 0 {
		fail("statfs / = %+v: want tmpfs, read-only as creating a file there says (%v)", s, err)
	}
	fmt.Printf("root: read-only %v\n", s.Flags&1 != 0)
	check("statfs "+tmp, syscall.Statfs(tmp, &s))
	if s.Type != 0x01021994 || s.Flags&1 != 0 || s.Blocks == 0 || s.Bfree == 0 || s.Bfree > s.Blocks || s.Files == 0 || s.Ffree == 0 {
		fail("statfs %s = %+v: want a writable tmpfs with room", tmp, s)
	}
	fd := open(tmp + "/statfs")
	var f syscall.Statfs_t
	check("fstatfs", syscall.Fstatfs(fd, &f))
	if f.Type != s.Type || f.Flags != s.Flags {
		fail("fstatfs of a file in %s = %+v, statfs %+v", tmp, f, s)
	}
	syscall.Close(fd)
	check("statfs /proc", syscall.Statfs("/proc", &s))
	if s.Type != 0x9fa0 {
		fail("statfs /proc = %+v", s)
	}
	check("statfs /dev/null", syscall.Statfs("/dev/null", &s))
	if s.Type != 0x01021994 || s.Flags&1 != 0 {
		fail("statfs /dev/null = %+v", s)
	}
	if vol != "" {
		check("statfs "+vol, syscall.Statfs(vol, &s))
		if s.Type != 0xEF53 || s.Bsize != 4096 || s.Blocks == 0 || s.Bfree == 0 || s.Bavail > s.Bfree || s.Files == 0 || s.Flags&1 != 0 || s.Namelen != 255 {
			fail("statfs %s = %+v: want a writable ext2 volume", vol, s)
		}
		before := s.Bfree
		data := make([]byte, 1<<20)
		check("write", os.WriteFile(vol+"/big", data, 0o644))
		check("statfs "+vol, syscall.Statfs(vol, &s))
		if before-s.Bfree < 256 {
			fail("writing 1 MiB took %d blocks of 4 KiB", before-s.Bfree)
		}
		fmt.Printf("volume: %d blocks of %d, %d free, %d available, %d inodes, %d free\n", s.Blocks, s.Bsize, s.Bfree, s.Bavail, s.Files, s.Ffree)
	}
	fmt.Println("ok statfs")
}

func prctl(option int, arg2 uintptr) (uintptr, error) {
	r, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, uintptr(option), arg2, 0, 0, 0, 0)
	if e != 0 {
		return r, e
	}
	return r, nil
}

func prctls() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var name [16]byte
	_, err := prctl(syscall.PR_GET_NAME, uintptr(unsafe.Pointer(&name)))
	check("PR_GET_NAME", err)
	exe, err := os.Executable()
	check("os.Executable", err)
	wantName := filepath.Base(exe)
	wantName = wantName[:min(15, len(wantName))]
	if got := strings.TrimRight(string(name[:]), "\x00"); got != wantName {
		fail("PR_GET_NAME = %q, want the program's name %q", got, wantName)
	}
	copy(name[:], "worker-thread-long-name")
	_, err = prctl(syscall.PR_SET_NAME, uintptr(unsafe.Pointer(&name)))
	check("PR_SET_NAME", err)
	name = [16]byte{}
	prctl(syscall.PR_GET_NAME, uintptr(unsafe.Pointer(&name)))
	if got := strings.TrimRight(string(name[:]), "\x00"); got != "worker-thread-l" {
		fail("PR_GET_NAME after PR_SET_NAME = %q, want the first 15 bytes", got)
	}
	if r, err := prctl(syscall.PR_GET_DUMPABLE, 0); err != nil || r != 1 {
		fail("PR_GET_DUMPABLE = %d, %v", r, err)
	}
	_, err = prctl(syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL))
	check("PR_SET_PDEATHSIG", err)
	var sig int32
	prctl(syscall.PR_GET_PDEATHSIG, uintptr(unsafe.Pointer(&sig)))
	if sig != int32(syscall.SIGKILL) {
		fail("PR_GET_PDEATHSIG = %d", sig)
	}
	_, err = prctl(38, 1) // PR_SET_NO_NEW_PRIVS
	check("PR_SET_NO_NEW_PRIVS", err)
	if r, _ := prctl(39, 0); r != 1 {
		fail("PR_GET_NO_NEW_PRIVS = %d", r)
	}
	if r, err := prctl(23, 21); err != nil || r != 1 { // PR_CAPBSET_READ CAP_SYS_ADMIN
		fail("PR_CAPBSET_READ = %d, %v", r, err)
	}
	_, err = prctl(23, 99)
	want("PR_CAPBSET_READ of no capability", err, syscall.EINVAL)
	if r, _ := prctl(30, 0); r != 50000 { // PR_GET_TIMERSLACK
		fail("PR_GET_TIMERSLACK = %d", r)
	}
	_, err = prctl(12345, 0)
	want("an unknown prctl option", err, syscall.EINVAL)
	fmt.Println("ok prctl")
}

func interfaces(withCard bool) {
	ift, err := net.Interfaces()
	check("net.Interfaces", err)
	var names []string
	for _, ifi := range ift {
		names = append(names, ifi.Name)
		fmt.Printf("interface %d %s mtu %d flags %v hw %v\n", ifi.Index, ifi.Name, ifi.MTU, ifi.Flags, ifi.HardwareAddr)
	}
	lo, err := net.InterfaceByName("lo")
	check("InterfaceByName lo", err)
	if lo.MTU != 65536 || lo.Flags&(net.FlagUp|net.FlagLoopback|net.FlagRunning) != net.FlagUp|net.FlagLoopback|net.FlagRunning {
		fail("lo = %+v", lo)
	}
	addrs, err := lo.Addrs()
	check("lo.Addrs", err)
	if fmt.Sprint(addrs) != "[127.0.0.1/8 ::1/128]" {
		fail("lo's addresses: %v", addrs)
	}
	all, err := net.InterfaceAddrs()
	check("net.InterfaceAddrs", err)
	fmt.Printf("addresses %v\n", all)
	if withCard {
		eth, err := net.InterfaceByName("eth0")
		check("InterfaceByName eth0", err)
		if eth.MTU != 1500 || len(eth.HardwareAddr) != 6 || eth.Flags&(net.FlagUp|net.FlagBroadcast|net.FlagMulticast) == 0 {
			fail("eth0 = %+v", eth)
		}
		ea, err := eth.Addrs()
		check("eth0.Addrs", err)
		if len(ea) == 0 || ea[0].String() != "10.0.2.15/24" {
			fail("eth0's addresses: %v", ea)
		}
	} else if strings.Join(names, " ") != "lo" {
		fail("interfaces without a card: %v", names)
	}
	fmt.Println("ok interfaces")
}

func main() {
	vol := ""
	if len(os.Args) > 1 {
		vol = os.Args[1]
	}
	withCard := len(os.Args) > 2 && os.Args[2] == "card"
	flocks("/tmp")
	recordLocks("/tmp")
	if vol != "" {
		flocks(vol)
		recordLocks(vol)
	}
	fallocate("/tmp", vol)
	statfs("/tmp", vol)
	prctls()
	interfaces(withCard)
	fmt.Println("passed")
}
