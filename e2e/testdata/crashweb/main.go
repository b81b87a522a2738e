// Command crashweb is the gateway tests' app: on :8080 it answers GET /
// with the client address the gateway passed on (X-Forwarded-For), and
// GET /crash by exiting with status 3 before it answers: a server that
// dies under a request.
package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/crash") {
			os.Exit(3)
		}
		fmt.Fprintf(w, "ok for %s via %s\n", r.Header.Get("X-Forwarded-For"), r.Header.Get("Forwarded"))
	})
	fmt.Println("serving on :8080")
	http.ListenAndServe(":8080", nil)
}
