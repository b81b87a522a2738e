package e2e

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"unigo.dev/unigo/vmm/qemu"
)

// examples/httpd serves in 16 MiB of RAM on both machine types, under load:
// 32 keep-alive connections asking at once, for several seconds (bench
// http measures the smallest --memory under wrk's 64). Every request is answered and the VM stays up (the
// kernel hands the runtime a GOMEMLIMIT, so the heap collects instead of
// outgrowing the VM).
func TestHTTPServesIn16MiB(t *testing.T) {
	img := image(t, "./examples/httpd")
	for _, machine := range []string{qemu.MachineMicroVM, qemu.MachinePC} {
		t.Run(machine, func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			s := serve(t, "--machine", machine, "--memory", "16M", "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), img)
			url := fmt.Sprintf("http://127.0.0.1:%d/", port)
			const want = "Hello from a unigo unikernel!\n"
			if body := waitServing(t, s, url); body != want {
				t.Fatalf("body %q, want %q", body, want)
			}
			const conns = 32
			// QEMU's user-mode network accepts with a backlog of 1 (see
			// TestHTTPServeFromHost): the clients start 20 ms apart, and a
			// request may wait for a SYN sent again.
			tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
			c := &http.Client{Timeout: 60 * time.Second, Transport: tr}
			defer tr.CloseIdleConnections()
			var answered, failed atomic.Int64
			var firstErr atomic.Value
			stop := time.Now().Add(8 * time.Second)
			var wg sync.WaitGroup
			for i := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(time.Duration(i) * 20 * time.Millisecond)
					for time.Now().Before(stop) {
						if body, err := get(c, url); err != nil || body != want {
							failed.Add(1)
							firstErr.CompareAndSwap(nil, fmt.Sprintf("%q, %v", body, err))
							return
						}
						answered.Add(1)
					}
				}()
			}
			wg.Wait()
			t.Logf("%d requests answered over %d keep-alive connections in 16 MiB", answered.Load(), conns)
			if n := failed.Load(); n > 0 {
				t.Fatalf("%d clients failed, the first with %v\n%v", n, firstErr.Load(), s)
			}
			if answered.Load() < conns {
				t.Fatalf("only %d requests answered\n%v", answered.Load(), s)
			}
			select {
			case <-s.done:
				t.Fatalf("the VM ended under load\n%v", s)
			default:
			}
			if body, err := get(c, url); err != nil || body != want {
				t.Fatalf("after the load: %q, %v\n%v", body, err, s)
			}
		})
	}
}
