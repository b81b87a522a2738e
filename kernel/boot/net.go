package boot

// Net is the network card's configuration from the net.* tokens of the
// command line (docs/boot-contract.md). Without any, the card is set up as
// QEMU's user-mode network expects: 10.0.2.15/24 through 10.0.2.2, DNS
// 10.0.2.3.
type Net struct {
	Mode    byte    // NetDefault, NetStatic (net.ip=) or NetDHCP (net.dhcp)
	Addr    [4]byte // net.ip=A.B.C.D/P: the card's IPv4 address
	Prefix  byte    // ... and its prefix length
	Gateway [4]byte // net.gw=A.B.C.D: the default route (0.0.0.0: none)
	// net.link=A.B.C.D/P: a second address, on the link to the host's
	// side of a tap device (the OCI runtime's pod namespace reaches the
	// app there); LinkPrefix 0: none.
	Link       [4]byte
	LinkPrefix byte
	DNS        [MaxDNS]Span
	NDNS       int
	Hosts      [MaxHosts]Span // net.host=NAME:IP, lines of /etc/hosts
	NHosts     int
}

// The card's configuration modes.
const (
	NetDefault = 0 // QEMU user-mode network's addresses
	NetStatic  = 1 // the host gave the address
	NetDHCP    = 2 // ask a DHCP server
)

// Limits of the net.* tokens: resolv.conf takes three name servers (as
// glibc and Go read it), and /etc/hosts a few dozen extra entries.
const (
	MaxDNS   = 3
	MaxHosts = 32
)

// netToken records one net.* token; a malformed one is ignored (the host
// checks them before it builds the command line).
func netToken(buf []byte, start, end int, o *Net) {
	tok := buf[start:end]
	switch {
	case equal(tok, "net.dhcp"):
		o.Mode = NetDHCP
	case hasPrefix(tok, "net.ip="):
		if addr, p, ok := parsePrefix(tok[len("net.ip="):]); ok {
			o.Mode, o.Addr, o.Prefix = NetStatic, addr, p
		}
	case hasPrefix(tok, "net.link="):
		if addr, p, ok := parsePrefix(tok[len("net.link="):]); ok {
			o.Link, o.LinkPrefix = addr, p
		}
	case hasPrefix(tok, "net.gw="):
		if a, ok := parseIPv4(tok[len("net.gw="):]); ok {
			o.Gateway = a
		}
	case hasPrefix(tok, "net.dns="):
		if o.NDNS < MaxDNS {
			o.DNS[o.NDNS] = decode(buf, start+len("net.dns="), end)
			o.NDNS++
		}
	case hasPrefix(tok, "net.host="):
		if o.NHosts < MaxHosts {
			o.Hosts[o.NHosts] = decode(buf, start+len("net.host="), end)
			o.NHosts++
		}
	}
}

// parsePrefix reads A.B.C.D/P, all of v, with P from 1 to 32.
func parsePrefix(v []byte) (addr [4]byte, prefix byte, ok bool) {
	slash := 0
	for slash < len(v) && v[slash] != '/' {
		slash++
	}
	addr, ok = parseIPv4(v[:slash])
	if !ok || slash == len(v) {
		return addr, 0, false
	}
	p := parseUint(v[slash+1:])
	if p == 0 || p > 32 {
		return addr, 0, false
	}
	return addr, byte(p), true
}

// parseIPv4 reads a dotted quad, all of b.
func parseIPv4(b []byte) ([4]byte, bool) {
	var a [4]byte
	i := 0
	for part := 0; part < 4; part++ {
		j := i
		for j < len(b) && b[j] != '.' {
			j++
		}
		if j == i || j-i > 3 {
			return a, false
		}
		v := parseUint(b[i:j])
		if v > 255 || v == 0 && !equal(b[i:j], "0") && !equal(b[i:j], "00") && !equal(b[i:j], "000") {
			return a, false
		}
		a[part] = byte(v)
		if part < 3 && j == len(b) || part == 3 && j != len(b) {
			return a, false
		}
		i = j + 1
	}
	return a, true
}
