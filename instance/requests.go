package instance

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Requests to a monitor, one line on its socket: "stop MILLISECONDS" (send
// SIGTERM to the app, power the VM off after that long), "kill" (power it
// off now) or "checkpoint NAME stop|leave" (write the VM's state to the
// instance's checkpoint NAME, then power it off, or leave it running). The
// monitor answers "ok" once the instance has ended and its state says how
// (with "leave", once the checkpoint is written), or "error: WHY", and
// closes the connection.

type request struct {
	verb  string // "stop", "kill" or "checkpoint"
	grace time.Duration

	checkpoint string     // the checkpoint's name
	leave      bool       // the VM runs on after the checkpoint
	written    chan error // the checkpoint's outcome
}

// errNoMonitor: no monitor answers on the instance's socket.
var errNoMonitor = errors.New("no monitor")

// serveRequests listens on the instance's socket and hands requests to the
// monitor's loop; the returned function stops listening.
func (m *monitor) serveRequests() (func(), error) {
	path := m.is.path(m.st.Name, monitorSock)
	os.Remove(path) // a dead monitor's: the monitor lock is ours
	l, err := listenUnix(path)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for requests: %w", err)
	}
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			m.answersMu.Lock()
			if m.closing {
				m.answersMu.Unlock()
				conn.Close()
				return
			}
			m.answers.Add(1)
			m.answersMu.Unlock()
			go m.answer(conn)
		}
	}()
	return func() {
		l.Close()
		os.Remove(path)
	}, nil
}

func (m *monitor) answer(conn net.Conn) {
	defer m.answers.Done()
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return
	}
	req, err := parseRequest(strings.TrimSpace(line))
	if err != nil {
		fmt.Fprintf(conn, "error: %v\n", err)
		return
	}
	if req.verb == "checkpoint" {
		req.written = make(chan error, 1)
		select {
		case m.reqs <- req:
		case <-m.done:
			fmt.Fprintln(conn, "error: the instance has ended")
			return
		}
		if err := <-req.written; err != nil {
			fmt.Fprintf(conn, "error: %v\n", err)
			return
		}
		if req.leave {
			fmt.Fprintln(conn, "ok")
			return
		}
	} else {
		m.request(req)
	}
	<-m.done
	fmt.Fprintln(conn, "ok")
}

func parseRequest(line string) (request, error) {
	verb, arg, _ := strings.Cut(line, " ")
	switch verb {
	case "kill":
		return request{verb: verb}, nil
	case "checkpoint":
		name, mode, _ := strings.Cut(arg, " ")
		if validName.MatchString(name) && (mode == "stop" || mode == "leave") {
			return request{verb: verb, checkpoint: name, leave: mode == "leave"}, nil
		}
	case "stop":
		ms, err := strconv.ParseInt(arg, 10, 64)
		if err == nil && ms >= 0 {
			return request{verb: verb, grace: time.Duration(ms) * time.Millisecond}, nil
		}
	}
	return request{}, fmt.Errorf("unknown request %q", line)
}

// request hands req to the monitor's loop, unless the instance has ended.
func (m *monitor) request(req request) {
	select {
	case m.reqs <- req:
	case <-m.done:
	}
}

// take records a request: the instance ends, and how.
func (m *monitor) take(req request) {
	if m.ended != "kill" {
		m.ended, m.waiting = req.verb, req.grace
	}
}

// ask sends a request to the monitor of instance name and waits up to
// timeout for the instance to end.
func (is *Instances) ask(name string, req string, timeout time.Duration) error {
	conn, err := dialUnix(is.path(name, monitorSock))
	if err != nil {
		return fmt.Errorf("%w: %v", errNoMonitor, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	if _, err := fmt.Fprintln(conn, req); err != nil {
		return fmt.Errorf("%w: %v", errNoMonitor, err)
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	reply = strings.TrimSpace(reply)
	switch {
	case reply == "ok":
		return nil
	case strings.HasPrefix(reply, "error: "):
		return fmt.Errorf("the monitor of %s: %s", name, strings.TrimPrefix(reply, "error: "))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("instance %s did not end within %v: see 'unigo inspect %s'", name, timeout, name)
	}
	return fmt.Errorf("%w: it closed the connection (%v)", errNoMonitor, err)
}
