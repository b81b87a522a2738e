package ociruntime

import (
	"net"
	"net/netip"
	"time"
)

// The guest's DNS in a container whose name server is on the namespace's
// loopback: Docker's embedded DNS answers at 127.0.0.11 inside the
// container's network namespace (names of the containers of a user-defined
// network), an address the guest cannot reach — its 127.0.0.11 is its own.
// So the guest is given the link's host end (podlink.go) as its name
// server, and this process, which lives in the namespace, relays what
// comes there to the namespace's name servers.

// needsRelay reports whether a name server of dns is on loopback.
func needsRelay(dns []string) bool {
	for _, s := range dns {
		if a, err := netip.ParseAddr(s); err == nil && a.IsLoopback() {
			return true
		}
	}
	return false
}

// relayDNS answers the queries that come to the link's host end, port 53,
// with the answers of upstream (the namespace's name servers), until the
// process ends.
func relayDNS(upstream []string) error {
	return serveDNSRelay(net.JoinHostPort(linkHost.Addr().String(), "53"), upstream, "53")
}

// serveDNSRelay relays the UDP queries to addr to upstream's servers at
// port, each query from a socket of its own.
func serveDNSRelay(addr string, upstream []string, port string) error {
	c, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return err
	}
	go func() {
		for {
			buf := make([]byte, 65536)
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					continue
				}
				return
			}
			go func() {
				if answer := ask(buf[:n], upstream, port); answer != nil {
					c.WriteTo(answer, from)
				}
			}()
		}
	}()
	return nil
}

// ask sends query to the name servers in turn and returns the first
// answer, or nil.
func ask(query []byte, upstream []string, port string) []byte {
	for _, s := range upstream {
		c, err := net.DialTimeout("udp", net.JoinHostPort(s, port), time.Second)
		if err != nil {
			continue
		}
		c.SetDeadline(time.Now().Add(4 * time.Second))
		buf := make([]byte, 65536)
		_, err = c.Write(query)
		n := 0
		if err == nil {
			n, err = c.Read(buf)
		}
		c.Close()
		if err == nil {
			return buf[:n]
		}
	}
	return nil
}
