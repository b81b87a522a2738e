// Command configroot checks the root that its unigo.yaml describes: the
// rootfs directory and an extra file are there, read-only; /var/cache (from
// the yaml) and /srv/state (from run --tmpfs) are writable.
package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

func main() {
	for _, f := range []string{"/etc/app/config.toml", "/etc/app/extra.txt"} {
		b, err := os.ReadFile(f)
		fmt.Printf("%s: %q err=%v\n", f, b, err)
	}
	err := os.WriteFile("/etc/app/extra.txt", []byte("x"), 0o644)
	fmt.Println("root write refused with EROFS:", errors.Is(err, syscall.EROFS))
	for _, dir := range []string{"/var/cache", "/srv/state"} {
		err := os.WriteFile(dir+"/f", []byte("data"), 0o644)
		if err == nil {
			var b []byte
			b, err = os.ReadFile(dir + "/f")
			if err == nil && string(b) != "data" {
				err = fmt.Errorf("read back %q", b)
			}
		}
		fmt.Printf("writable %s: %v\n", dir, err)
	}
}
