package instance

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// maxSockPath is the longest path a Unix socket address holds (sun_path
// is 108 bytes with its NUL).
const maxSockPath = 107

// sockAddr returns an address for the socket at path that fits in a
// sockaddr_un: the path itself, or, when it is too long, the path through
// an open descriptor of its directory (/proc/self/fd/N/NAME), which stays
// open until done is called.
func sockAddr(path string) (addr string, done func(), err error) {
	if len(path) <= maxSockPath {
		return path, func() {}, nil
	}
	dir, err := os.OpenFile(filepath.Dir(path), os.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("/proc/self/fd/%d/%s", dir.Fd(), filepath.Base(path)), func() { dir.Close() }, nil
}

func listenUnix(path string) (net.Listener, error) {
	addr, done, err := sockAddr(path)
	if err != nil {
		return nil, err
	}
	defer done()
	l, err := net.Listen("unix", addr)
	if err != nil {
		return nil, err
	}
	// Closing the listener must not remove a name it gave through /proc.
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	return l, nil
}

func dialUnix(path string) (net.Conn, error) {
	addr, done, err := sockAddr(path)
	if err != nil {
		return nil, err
	}
	defer done()
	return net.Dial("unix", addr)
}
