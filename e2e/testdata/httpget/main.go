// Command httpget fetches a URL, retrying for up to 30 seconds while the
// server is not up yet, prints the body and exits 0; after that it prints
// FAIL and the last error and exits 1. It is the ordinary container (runc)
// that reaches a unikernel by name in the Docker tests.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Println("usage: httpget URL")
		os.Exit(2)
	}
	var last error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get(os.Args[1])
		if err != nil {
			last = err
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode == 200 {
			fmt.Printf("got %s", body)
			return
		}
		last = fmt.Errorf("status %s, %v", resp.Status, err)
	}
	fmt.Println("FAIL", last)
	os.Exit(1)
}
