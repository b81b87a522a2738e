// Command httpnet is a test program for the VM's network card. With no
// arguments it serves HTTP on :8080: GET / answers "httpnet here", GET
// /big?n=N sends N bytes of a fixed pattern, POST /sum answers the SHA-256
// of the body it read and its length. With "fetch URL" it prints
// /etc/resolv.conf, fetches URL once and prints its status, length and
// SHA-256, then exits.
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"time"
)

// pattern is byte i of a /big answer.
func pattern(i int) byte { return byte(i*7 + i>>11) }

func main() {
	if len(os.Args) == 3 && os.Args[1] == "fetch" {
		fetch(os.Args[2])
		return
	}
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "httpnet here")
	})
	http.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n < 0 || n > 64<<20 {
			http.Error(w, "bad n", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		buf := make([]byte, 64<<10)
		for off := 0; off < n; {
			m := min(len(buf), n-off)
			for i := range m {
				buf[i] = pattern(off + i)
			}
			if _, err := w.Write(buf[:m]); err != nil {
				return
			}
			off += m
		}
	})
	http.HandleFunc("/sum", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%d %x\n", n, h.Sum(nil))
	})
	fmt.Println("listening on :8080")
	log.Fatal(http.ListenAndServe(":8080", nil))
}

func fetch(url string) {
	if b, err := os.ReadFile("/etc/resolv.conf"); err == nil {
		fmt.Printf("resolv.conf: %q\n", b)
	} else {
		fmt.Println("no resolv.conf:", err)
	}
	c := &http.Client{Timeout: 60 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Println("FAIL fetch:", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		fmt.Println("FAIL reading the body:", err)
		os.Exit(1)
	}
	fmt.Printf("fetched status %d, %d bytes, sha256 %x\n", resp.StatusCode, n, h.Sum(nil))
}
