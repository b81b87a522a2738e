// Command loadserve is the server of the published-port load tests: HTTP
// on :8080 (GET / answers one line) and enough of the Redis protocol on
// :6379 for redis-benchmark -t set,get (PING, SET, GET, CONFIG GET with
// empty values, an empty answer to COMMAND), keys in a map. Both listeners take
// Go's default backlog, the kernel's /proc/sys/net/core/somaxconn (4096), so
// that hundreds of connections at once wait in the guest's accept queue
// instead of being dropped there.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

func main() {
	web := listen(":8080")
	kv := listen(":6379")
	fmt.Println("listening on :8080 and :6379")
	go serveKV(kv)
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "loadserve here")
	})
	log.Fatal(http.Serve(web, nil))
}

// listen listens on addr, or ends the program.
func listen(addr string) net.Listener {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	return l
}

var (
	mu   sync.Mutex
	keys = map[string]string{}
)

func serveKV(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go session(c)
	}
}

// session answers one client's commands, which come as RESP arrays of
// bulk strings (or as inline commands).
func session(c net.Conn) {
	defer c.Close()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	for {
		args, err := readCommand(r)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				fmt.Fprintf(w, "-ERR %v\r\n", err)
				w.Flush()
			}
			return
		}
		answer(w, args)
		// Pipelined commands are answered together.
		if r.Buffered() == 0 {
			if w.Flush() != nil {
				return
			}
		}
	}
}

func answer(w *bufio.Writer, args []string) {
	if len(args) == 0 {
		return
	}
	switch strings.ToUpper(args[0]) {
	case "PING":
		w.WriteString("+PONG\r\n")
	case "SET":
		if len(args) < 3 {
			w.WriteString("-ERR wrong number of arguments for 'set'\r\n")
			return
		}
		mu.Lock()
		keys[args[1]] = args[2]
		mu.Unlock()
		w.WriteString("+OK\r\n")
	case "GET":
		if len(args) != 2 {
			w.WriteString("-ERR wrong number of arguments for 'get'\r\n")
			return
		}
		mu.Lock()
		v, ok := keys[args[1]]
		mu.Unlock()
		if !ok {
			w.WriteString("$-1\r\n")
			return
		}
		fmt.Fprintf(w, "$%d\r\n%s\r\n", len(v), v)
	case "CONFIG": // CONFIG GET name: the name with an empty value
		if len(args) == 3 {
			fmt.Fprintf(w, "*2\r\n$%d\r\n%s\r\n$0\r\n\r\n", len(args[2]), args[2])
			return
		}
		w.WriteString("*0\r\n")
	case "COMMAND":
		w.WriteString("*0\r\n")
	default:
		fmt.Fprintf(w, "-ERR unknown command '%s'\r\n", args[0])
	}
}

// readCommand reads one command: *N then N bulk strings, or one inline
// line of words.
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "*") {
		return strings.Fields(line), nil
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil || n < 0 || n > 1024 {
		return nil, fmt.Errorf("bad array header %q", line)
	}
	args := make([]string, n)
	for i := range args {
		h, err := readLine(r)
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimPrefix(h, "$"))
		if !strings.HasPrefix(h, "$") || err != nil || size < 0 || size > 512<<20 {
			return nil, fmt.Errorf("bad bulk header %q", h)
		}
		b := make([]byte, size+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		args[i] = string(b[:size])
	}
	return args, nil
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		if line != "" && errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
