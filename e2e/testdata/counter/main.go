// Command counter is the checkpoint tests' app: on :8080 it answers GET /
// with how many requests it has answered, counted in memory, its wall
// clock and how many times it was resumed (SIGCONT, which unigo sends
// when the VM runs again from a checkpoint): "count N time UNIXNANO
// resumed K". GET /resumed answers "resumed K" and counts nothing. A
// resumed checkpoint goes on counting where the checkpoint left it; a
// boot starts again at 1. With a volume at /data, each count is also
// written there (/data/count, fsync'ed).
package main

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	var count, resumed atomic.Int64
	conts := make(chan os.Signal, 1)
	signal.Notify(conts, syscall.SIGCONT)
	go func() {
		for range conts {
			resumed.Add(1)
		}
	}()
	http.HandleFunc("/resumed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "resumed %d\n", resumed.Load())
	})
	_, err := os.Stat("/data")
	volume := err == nil
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n := count.Add(1)
		if volume {
			if err := writeCount(n); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		fmt.Fprintf(w, "count %d time %d resumed %d\n", n, time.Now().UnixNano(), resumed.Load())
	})
	fmt.Println("counting on :8080")
	http.ListenAndServe(":8080", nil)
}

// writeCount writes n to /data/count, durably.
func writeCount(n int64) error {
	f, err := os.Create("/data/count")
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, n); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
