package ociruntime

import (
	"fmt"
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// containerConsole makes the terminal of `docker run -t`: a pseudo-terminal
// whose master goes to the engine through the console socket (the file
// descriptor in an SCM_RIGHTS message, the slave's name as its data, as
// runc sends it) and whose slave is the container process's stdio.
func containerConsole(socket string) (*os.File, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("the container's terminal: %w", err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return nil, fmt.Errorf("the container's terminal: unlocking it: %w", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		return nil, fmt.Errorf("the container's terminal: %w", err)
	}
	name := "/dev/pts/" + strconv.Itoa(n)
	slave, err := os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("the container's terminal: %w", err)
	}
	conn, err := net.Dial("unix", socket)
	if err != nil {
		slave.Close()
		return nil, fmt.Errorf("the engine's console socket %s: %w", socket, err)
	}
	defer conn.Close()
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		slave.Close()
		return nil, fmt.Errorf("the console socket %s is not a Unix socket", socket)
	}
	if _, _, err := uc.WriteMsgUnix([]byte(name), unix.UnixRights(int(master.Fd())), nil); err != nil {
		slave.Close()
		return nil, fmt.Errorf("sending the terminal to the engine: %w", err)
	}
	return slave, nil
}
