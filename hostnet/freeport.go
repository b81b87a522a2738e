package hostnet

import "net"

// FreeLoopbackPort returns a TCP port free on 127.0.0.1 now (for a
// published port the caller chooses: `unigo serve`'s instances, the
// benchmarks' subjects).
func FreeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
