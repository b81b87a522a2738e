package qemu

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// qmpClient speaks QEMU's machine protocol (QMP: one JSON object per line)
// over a connected socket. The greeting and the capability negotiation are
// done on first use; commands then run one at a time, and the events QEMU
// sends between replies are skipped.
type qmpClient struct {
	mu         sync.Mutex
	conn       net.Conn
	r          *bufio.Reader
	negotiated bool
}

func newQMPClient(conn net.Conn) *qmpClient {
	return &qmpClient{conn: conn, r: bufio.NewReader(conn)}
}

// qmpMessage is any line QMP sends: the greeting, a reply or an event.
type qmpMessage struct {
	Greeting json.RawMessage `json:"QMP"`
	Return   json.RawMessage `json:"return"`
	Error    *struct {
		Class string `json:"class"`
		Desc  string `json:"desc"`
	} `json:"error"`
	Event string `json:"event"`
}

// execute runs one QMP command without arguments and returns its result;
// the whole exchange must end within timeout.
func (c *qmpClient) execute(command string, timeout time.Duration) (json.RawMessage, error) {
	return c.executeWith(command, nil, nil, timeout)
}

// executeWith runs one QMP command with its arguments (nil: none) and,
// when file is set, passes file to QEMU with it (SCM_RIGHTS), as getfd
// takes one.
func (c *qmpClient) executeWith(command string, args any, file *os.File, timeout time.Duration) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn.SetDeadline(time.Now().Add(timeout))
	defer c.conn.SetDeadline(time.Time{})
	if !c.negotiated {
		if _, err := c.read(true); err != nil {
			return nil, fmt.Errorf("QMP greeting: %w", err)
		}
		if _, err := c.call("qmp_capabilities", nil, nil); err != nil {
			return nil, err
		}
		c.negotiated = true
	}
	return c.call(command, args, file)
}

// call sends command and reads up to its reply.
func (c *qmpClient) call(command string, args any, file *os.File) (json.RawMessage, error) {
	msg := map[string]any{"execute": command}
	if args != nil {
		msg["arguments"] = args
	}
	req, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("QMP %s: %w", command, err)
	}
	req = append(req, '\n')
	if file != nil {
		uc, ok := c.conn.(*net.UnixConn)
		if !ok {
			return nil, fmt.Errorf("QMP %s: the connection cannot pass files", command)
		}
		_, _, err = uc.WriteMsgUnix(req, syscall.UnixRights(int(file.Fd())), nil)
	} else {
		_, err = c.conn.Write(req)
	}
	if err != nil {
		return nil, fmt.Errorf("QMP %s: %w", command, err)
	}
	ret, err := c.read(false)
	if err != nil {
		return nil, fmt.Errorf("QMP %s: %w", command, err)
	}
	return ret, nil
}

// read returns the next greeting (greeting set) or reply, skipping events.
func (c *qmpClient) read(greeting bool) (json.RawMessage, error) {
	for {
		line, err := c.r.ReadBytes('\n')
		if err != nil {
			return nil, err
		}
		var m qmpMessage
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("not a QMP message: %q", line)
		}
		switch {
		case greeting && m.Greeting != nil:
			return m.Greeting, nil
		case m.Error != nil:
			return nil, fmt.Errorf("%s: %s", m.Error.Class, m.Error.Desc)
		case !greeting && m.Return != nil:
			return m.Return, nil
		}
	}
}

func (c *qmpClient) close() error { return c.conn.Close() }
