// Command readroot reads a config file from the image's root (built with
// unigo build --rootfs) and writes to the root: refused with EROFS under
// --read-only, else kept in memory as in a container's layer.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

func main() {
	b, err := os.ReadFile("/etc/app/config.toml")
	fmt.Printf("config: %q err=%v\n", b, err)
	err = os.WriteFile("/etc/app/config.toml", []byte("rewritten"), 0o644)
	fmt.Println("write refused with EROFS:", errors.Is(err, syscall.EROFS))
	if err == nil {
		b, err = os.ReadFile("/etc/app/config.toml")
		fmt.Printf("config after the write: %q err=%v\n", b, err)
		err = os.MkdirAll("/var/lib/app", 0o755)
		if err == nil {
			err = os.WriteFile(filepath.Join(os.Getenv("HOME"), ".app-state"), []byte("state"), 0o600)
		}
		fmt.Println("state under HOME and /var/lib:", err)
	}
	fmt.Printf("HOME=%s\n", os.Getenv("HOME"))
	_, err = os.Stat("/etc/passwd")
	fmt.Println("etc/passwd present:", err == nil)
}
