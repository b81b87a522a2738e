// Command readroot reads a config file from the image's read-only root
// (built with unigo build --rootfs) and checks that the root refuses writes.
package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

func main() {
	b, err := os.ReadFile("/etc/app/config.toml")
	fmt.Printf("config: %q err=%v\n", b, err)
	err = os.WriteFile("/etc/app/config.toml", []byte("x"), 0o644)
	fmt.Println("write refused with EROFS:", errors.Is(err, syscall.EROFS))
	_, err = os.Stat("/etc/passwd")
	fmt.Println("etc/passwd present:", err == nil)
}
