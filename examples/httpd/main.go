// Command httpd is the smallest HTTP server: it answers GET / with one line.
// It listens on $PORT (default 8080) and prints "listening on :PORT" once it
// accepts connections: the app `unigo bench compare --http` measures.
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("listening on :" + port)
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "Hello from a unigo unikernel!")
	})
	log.Fatal(http.Serve(ln, nil))
}
