package vmm

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadControl reads the control channel (an isa-debugcon port,
// docs/boot-contract.md) to its end and returns the first exit the guest
// reported; the ports the app opens and closes go to listens, if set, as
// they come. Lines that are neither (there should be none; firmware has
// been known to chatter on debug ports, SeaBIOS on 0x402) go to noise, if set.
func ReadControl(r io.Reader, noise io.Writer, listens func(Listen)) (ev Exit, ok bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r ")
		if l, isListen := parseListen(line); isListen {
			if listens != nil {
				listens(l)
			}
			continue
		}
		e, isEvent := parseControl(line)
		switch {
		case isEvent && !ok:
			ev, ok = e, true
		case !isEvent && noise != nil && line != "":
			fmt.Fprintf(noise, "control channel: %s\n", line)
		}
	}
	io.Copy(io.Discard, r) // a line too long for the scanner: keep QEMU unblocked
	return ev, ok
}

// parseControl decodes one control line: "exit N", "signal N", "crash REASON".
func parseControl(line string) (Exit, bool) {
	verb, arg, _ := strings.Cut(line, " ")
	switch verb {
	case "exit", "signal":
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 || (verb == "exit" && n > 255) || (verb == "signal" && (n < 1 || n > 127)) {
			return Exit{}, false
		}
		if verb == "exit" {
			return Exit{Reason: Exited, Status: n}, true
		}
		return Exit{Reason: Signaled, Status: n}, true
	case "crash":
		if arg == "" {
			arg = "no reason given"
		}
		return Exit{Reason: Crashed, Detail: arg}, true
	}
	return Exit{}, false
}

// Listen is the app starting (Open) or ceasing to serve a port of its
// network card: a TCP listener or a bound UDP socket, on an address other
// than loopback.
type Listen struct {
	UDP  bool
	Port int
	Open bool
}

// parseListen decodes "listen tcp|udp PORT" and "unlisten tcp|udp PORT".
func parseListen(line string) (Listen, bool) {
	f := strings.Fields(line)
	if len(f) != 3 || (f[0] != "listen" && f[0] != "unlisten") || (f[1] != "tcp" && f[1] != "udp") {
		return Listen{}, false
	}
	port, err := strconv.Atoi(f[2])
	if err != nil || port < 1 || port > 65535 {
		return Listen{}, false
	}
	return Listen{UDP: f[1] == "udp", Port: port, Open: f[0] == "listen"}, true
}
