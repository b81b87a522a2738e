// Command counter is the checkpoint tests' app: on :8080 it answers GET /
// with how many requests it has answered, counted in memory, and its wall
// clock: "count N time UNIXNANO". A resumed checkpoint goes on counting
// where the checkpoint left it; a boot starts again at 1.
package main

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

func main() {
	var count atomic.Int64
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "count %d time %d\n", count.Add(1), time.Now().UnixNano())
	})
	fmt.Println("counting on :8080")
	http.ListenAndServe(":8080", nil)
}
