// Command volapp uses a volume mounted at /data, in the mode its first
// argument names:
//
//	write         a file, a directory tree and a symlink, fsync'ed
//	read          prints what write left
//	serve         says "ready", and on SIGTERM writes /data/goodbye and exits
//	loop          appends numbered records to /data/records, fsync after each,
//	              printing "synced N" once record N is durable
//	verify N      checks that records 0..N are all in /data/records, intact
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

func check(what string, err error) {
	if err != nil {
		fmt.Printf("FAIL %s: %v\n", what, err)
		os.Exit(1)
	}
}

func record(i int) string { return fmt.Sprintf("record %06d %s\n", i, strings.Repeat("x", 200)) }

func main() {
	switch os.Args[1] {
	case "write":
		check("mkdir", os.MkdirAll("/data/dir/sub", 0o755))
		big := make([]byte, 3<<20) // crosses ext2's indirect blocks
		for i := range big {
			big[i] = byte(i * 7)
		}
		check("write big", os.WriteFile("/data/dir/sub/big.bin", big, 0o644))
		f, err := os.Create("/data/hello.txt")
		check("create", err)
		_, err = f.WriteString("hello from the unikernel\n")
		check("write", err)
		check("fsync", f.Sync())
		check("close", f.Close())
		check("symlink", os.Symlink("dir/sub/big.bin", "/data/link"))
		check("rename", os.Rename("/data/hello.txt", "/data/greeting.txt"))
		fmt.Println("wrote")
	case "read":
		b, err := os.ReadFile("/data/greeting.txt")
		check("read", err)
		big, err := os.ReadFile("/data/link")
		check("read big through the link", err)
		ok := len(big) == 3<<20
		for i := 0; ok && i < len(big); i++ {
			ok = big[i] == byte(i*7)
		}
		var names []string
		filepath.WalkDir("/data", func(p string, d os.DirEntry, err error) error {
			names = append(names, p)
			return err
		})
		fmt.Printf("greeting=%q big-intact=%v tree=%v\n", b, ok, names)
	case "serve":
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		fmt.Println("ready")
		<-term
		check("goodbye", os.WriteFile("/data/goodbye", []byte("terminated gracefully\n"), 0o644))
		fmt.Println("wrote goodbye")
	case "loop":
		f, err := os.OpenFile("/data/records", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		check("open", err)
		for i := 0; ; i++ {
			_, err := f.WriteString(record(i))
			check("append", err)
			check("fsync", f.Sync())
			fmt.Println("synced", i)
		}
	case "verify":
		n, _ := strconv.Atoi(os.Args[2])
		f, err := os.Open("/data/records")
		check("open", err)
		sc := bufio.NewScanner(f)
		i := 0
		for sc.Scan() && i <= n {
			if sc.Text()+"\n" != record(i) {
				check("record "+strconv.Itoa(i), fmt.Errorf("%q", sc.Text()))
			}
			i++
		}
		if i <= n {
			check("records", fmt.Errorf("only %d of %d", i, n+1))
		}
		fmt.Println("verified", n)
	}
}
