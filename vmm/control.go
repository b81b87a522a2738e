package vmm

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadControl reads the control channel (an isa-debugcon port,
// docs/boot-contract.md) to its end and returns the first event the guest
// reported. Lines that are not events (there should be none; firmware has
// been known to chatter on debug ports, SeaBIOS on 0x402) go to noise, if set.
func ReadControl(r io.Reader, noise io.Writer) (ev Exit, ok bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r ")
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
