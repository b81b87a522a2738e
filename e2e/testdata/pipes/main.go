// Command pipes moves data through os.Pipe (non-blocking descriptors under
// Go's netpoller, which uses edge-triggered epoll) and through a raw
// blocking pipe, and checks what arrived.
package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

func main() {
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Println("FAIL os.Pipe:", err)
		os.Exit(1)
	}
	data := bytes.Repeat([]byte("pipe data "), 100000) // 1 MB: many times the pipe's buffer
	go func() {
		w.Write(data)
		w.Close()
	}()
	got, err := io.ReadAll(r)
	fmt.Printf("netpoller pipe: %d bytes, same=%v, err=%v\n", len(got), sha256.Sum256(got) == sha256.Sum256(data), err)

	// A read deadline needs the netpoller's timers.
	r2, w2, _ := os.Pipe()
	r2.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = r2.Read(make([]byte, 1))
	fmt.Println("deadline:", os.IsTimeout(err))
	w2.Close()

	// Raw blocking pipe: the reader blocks in the kernel until data comes.
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		fmt.Println("FAIL pipe2:", err)
		os.Exit(1)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		syscall.Write(fds[1], []byte("late hello"))
		syscall.Close(fds[1])
	}()
	buf := make([]byte, 64)
	n, _ := syscall.Read(fds[0], buf)
	m, _ := syscall.Read(fds[0], buf[n:])
	fmt.Printf("blocking pipe: %q then %d (EOF)\n", buf[:n], m)
}
