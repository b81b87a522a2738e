package sockets

import "unigo.dev/unigo/kernel/privcalls"

// Socket options. The ones the stack acts on (reuse, keepalive, Nagle,
// broadcast, IPv6-only, linger, buffer sizes) are kept here and sent to
// it with the next work record (WorkOptions); the kernel answers
// getsockopt from what it keeps, without asking the stack. Other integer
// options of the usual levels are accepted and stored, so that a program
// that sets them and reads them back sees its value; one never set reads
// as ENOPROTOOPT rather than as a made-up default.

type options struct {
	flags                        uint32 // privcalls.Opt*
	linger                       int32
	rcvBuf, sndBuf               int32
	keepIdle, keepIntvl, keepCnt int32
	other                        [8]storedOpt
	nOther                       int
}

type storedOpt struct {
	level, name uint16
	val         int32
}

// Option levels and names (Linux x86-64).
const (
	solSocket   = 1
	ipprotoIP   = 0
	ipprotoTCP  = 6
	ipprotoUDP  = 17
	ipprotoIPv6 = 41

	soReuseAddr   = 2
	soType        = 3
	soError       = 4
	soBroadcast   = 6
	soSndBuf      = 7
	soRcvBuf      = 8
	soKeepAlive   = 9
	soLinger      = 13
	soReusePort   = 15
	soAcceptConn  = 30
	soSndBufForce = 32
	soRcvBufForce = 33
	soProtocol    = 38
	soDomain      = 39

	tcpNoDelay   = 1
	tcpKeepIdle  = 4
	tcpKeepIntvl = 5
	tcpKeepCnt   = 6

	ipv6V6Only = 26
)

// flagOpt maps a boolean option the stack uses to its privcalls.Opt bit.
func flagOpt(level, name int) uint32 {
	switch {
	case level == solSocket && name == soReuseAddr:
		return privcalls.OptReuseAddr
	case level == solSocket && name == soReusePort:
		return privcalls.OptReusePort
	case level == solSocket && name == soKeepAlive:
		return privcalls.OptKeepAlive
	case level == solSocket && name == soBroadcast:
		return privcalls.OptBroadcast
	case level == ipprotoTCP && name == tcpNoDelay:
		return privcalls.OptNoDelay
	case level == ipprotoIPv6 && name == ipv6V6Only:
		return privcalls.OptV6Only
	}
	return 0
}

// intOpt returns the field of an integer option the stack uses, or nil.
func intOpt(o *options, level, name int) *int32 {
	switch {
	case level == solSocket && (name == soRcvBuf || name == soRcvBufForce):
		return &o.rcvBuf
	case level == solSocket && (name == soSndBuf || name == soSndBufForce):
		return &o.sndBuf
	case level == ipprotoTCP && name == tcpKeepIdle:
		return &o.keepIdle
	case level == ipprotoTCP && name == tcpKeepIntvl:
		return &o.keepIntvl
	case level == ipprotoTCP && name == tcpKeepCnt:
		return &o.keepCnt
	}
	return nil
}

func knownLevel(s *socket, level int) bool {
	if s.domain == AFUnix {
		return level == solSocket
	}
	switch level {
	case solSocket, ipprotoIP:
		return true
	case ipprotoTCP:
		return s.typ == SockStream
	case ipprotoUDP:
		return s.typ == SockDgram
	case ipprotoIPv6:
		return s.domain == AFInet6
	}
	return false
}

// SetOpt is setsockopt: val is the option's value as the app passed it.
func SetOpt(id int32, level, name int, val []byte) int64 {
	s := get(id)
	if !knownLevel(s, level) {
		return -ENOPROTOOPT
	}
	o := &s.opts
	if level == solSocket && name == soLinger {
		if len(val) < 8 {
			return -EINVAL
		}
		o.flags &^= privcalls.OptLinger
		if getLE32(val) != 0 {
			o.flags |= privcalls.OptLinger
		}
		o.linger = int32(getLE32(val[4:]))
		post(id, privcalls.WorkOptions)
		return 0
	}
	if len(val) < 4 {
		return -EINVAL
	}
	v := int32(getLE32(val))
	if bit := flagOpt(level, name); bit != 0 {
		if level == ipprotoIPv6 && s.bound {
			return -EINVAL // as Linux: IPV6_V6ONLY is fixed once bound
		}
		old := o.flags
		o.flags &^= bit
		if v != 0 {
			o.flags |= bit
		}
		if o.flags != old {
			post(id, privcalls.WorkOptions)
		}
		return 0
	}
	if p := intOpt(o, level, name); p != nil {
		if v < 0 {
			return -EINVAL
		}
		*p = v
		post(id, privcalls.WorkOptions)
		return 0
	}
	if level == solSocket && (name == soType || name == soError || name == soAcceptConn || name == soProtocol || name == soDomain) {
		return -ENOPROTOOPT // read-only
	}
	for i := 0; i < o.nOther; i++ {
		if e := &o.other[i]; int(e.level) == level && int(e.name) == name {
			e.val = v
			return 0
		}
	}
	if o.nOther < len(o.other) {
		o.other[o.nOther] = storedOpt{uint16(level), uint16(name), v}
		o.nOther++
	}
	return 0
}

// GetOpt is getsockopt: it writes the value into out and returns its
// length, or -errno.
func GetOpt(id int32, level, name int, out []byte) int64 {
	s := get(id)
	if !knownLevel(s, level) {
		return -ENOPROTOOPT
	}
	if need := 4 + 4*b2i(level == solSocket && name == soLinger); len(out) < need {
		return -EINVAL
	}
	o := &s.opts
	var v int32
	switch {
	case level == solSocket && name == soLinger:
		on := uint32(0)
		if o.flags&privcalls.OptLinger != 0 {
			on = 1
		}
		putLE32(out, on)
		putLE32(out[4:], uint32(o.linger))
		return 8
	case level == solSocket && name == soError:
		v, s.soError = s.soError, 0
		markDirty(id)
	case level == solSocket && name == soType:
		v = int32(s.typ)
	case level == solSocket && name == soDomain:
		v = int32(s.domain)
	case level == solSocket && name == soProtocol:
		v = int32(s.proto)
	case level == solSocket && name == soAcceptConn:
		if s.state == stListening {
			v = 1
		}
	case flagOpt(level, name) != 0:
		if o.flags&flagOpt(level, name) != 0 {
			v = 1
		}
	case level == solSocket && (name == soRcvBuf || name == soSndBuf):
		// Linux reports twice what was set (its bookkeeping overhead); the
		// default is what the kernel's ring holds.
		v = ringSize
		if p := intOpt(o, level, name); *p != 0 {
			v = 2 * *p
		}
	case intOpt(o, level, name) != nil:
		v = *intOpt(o, level, name)
	default:
		found := false
		for i := 0; i < o.nOther; i++ {
			if e := &o.other[i]; int(e.level) == level && int(e.name) == name {
				v, found = e.val, true
			}
		}
		if !found {
			return -ENOPROTOOPT
		}
	}
	putLE32(out, uint32(v))
	return 4
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
