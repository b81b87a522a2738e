package boot

// ResolvConf writes /etc/resolv.conf for the card's configuration n into
// buf and returns its length: the net.dns= name servers, or QEMU user-mode
// network's, or a comment saying where they come from. cmdline is the
// buffer n's spans point into. Lines that do not fit are left out.
func ResolvConf(buf, cmdline []byte, n *Net) int {
	w := lineWriter{buf: buf}
	switch {
	case n.NDNS > 0:
		for i := 0; i < n.NDNS; i++ {
			w.line("nameserver ", cmdline[n.DNS[i].Start:n.DNS[i].End], "", nil)
		}
	case n.Mode == NetDefault:
		w.line("nameserver 10.0.2.3", nil, "", nil)
	case n.Mode == NetDHCP:
		w.line("# the DHCP lease's name servers replace this line", nil, "", nil)
	default:
		w.line("# no name server: give one with unigo run --dns ADDR", nil, "", nil)
	}
	return w.n
}

// Hosts writes the /etc/hosts lines of the net.host= tokens into buf and
// returns their length. A token is NAME:IP (Docker's --add-host), its line
// "IP<tab>NAME"; the name ends at the first colon, so an IPv6 address keeps
// its own. A token without both parts is left out, and so are lines that
// do not fit.
func Hosts(buf, cmdline []byte, n *Net) int {
	w := lineWriter{buf: buf}
	for i := 0; i < n.NHosts; i++ {
		entry := cmdline[n.Hosts[i].Start:n.Hosts[i].End]
		for j, c := range entry {
			if c == ':' {
				if j > 0 && j < len(entry)-1 {
					w.line("", entry[j+1:], "\t", entry[:j])
				}
				break
			}
		}
	}
	return w.n
}

// lineWriter fills buf with whole lines (copies, never append: the kernel
// may not call the allocator, even on a path that would not grow).
type lineWriter struct {
	buf []byte
	n   int
}

// line writes a, b, c, d and a newline, or nothing when they do not fit.
func (w *lineWriter) line(a string, b []byte, c string, d []byte) {
	if w.n+len(a)+len(b)+len(c)+len(d)+1 > len(w.buf) {
		return
	}
	w.n += copy(w.buf[w.n:], a)
	w.n += copy(w.buf[w.n:], b)
	w.n += copy(w.buf[w.n:], c)
	w.n += copy(w.buf[w.n:], d)
	w.buf[w.n] = '\n'
	w.n++
}
