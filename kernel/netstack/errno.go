package netstack

import "gvisor.dev/gvisor/pkg/tcpip"

// Linux errno values for gVisor's errors, as the app's socket calls must
// return them.
const (
	eacces        = 13
	einval        = 22
	epipe         = 32
	edestaddrreq  = 89
	emsgsize      = 90
	enoprotoopt   = 92
	eopnotsupp    = 95
	eafnosupport  = 97
	eaddrinuse    = 98
	eaddrnotavail = 99
	enetunreach   = 101
	econnaborted  = 103
	econnreset    = 104
	enobufs       = 105
	eisconn       = 106
	enotconn      = 107
	etimedout     = 110
	econnrefused  = 111
	ehostdown     = 112
	ehostunreach  = 113
	ealready      = 114
	einprogress   = 115
)

func errno(err tcpip.Error) int32 {
	switch err.(type) {
	case *tcpip.ErrPortInUse, *tcpip.ErrDuplicateAddress, *tcpip.ErrNoPortAvailable:
		return eaddrinuse
	case *tcpip.ErrBadLocalAddress:
		return eaddrnotavail
	case *tcpip.ErrConnectionRefused:
		return econnrefused
	case *tcpip.ErrConnectionReset:
		return econnreset
	case *tcpip.ErrConnectionAborted, *tcpip.ErrAborted:
		return econnaborted
	case *tcpip.ErrTimeout:
		return etimedout
	case *tcpip.ErrNetworkUnreachable, *tcpip.ErrNoNet:
		return enetunreach
	case *tcpip.ErrHostUnreachable:
		return ehostunreach
	case *tcpip.ErrHostDown:
		return ehostdown
	case *tcpip.ErrAlreadyConnected:
		return eisconn
	case *tcpip.ErrAlreadyConnecting:
		return ealready
	case *tcpip.ErrConnectStarted:
		return einprogress
	case *tcpip.ErrNotConnected:
		return enotconn
	case *tcpip.ErrClosedForSend:
		return epipe
	case *tcpip.ErrAddressFamilyNotSupported:
		return eafnosupport
	case *tcpip.ErrNotSupported, *tcpip.ErrQueueSizeNotSupported:
		return eopnotsupp
	case *tcpip.ErrUnknownProtocolOption:
		return enoprotoopt
	case *tcpip.ErrMessageTooLong:
		return emsgsize
	case *tcpip.ErrNoBufferSpace:
		return enobufs
	case *tcpip.ErrDestinationRequired:
		return edestaddrreq
	case *tcpip.ErrBroadcastDisabled, *tcpip.ErrNotPermitted:
		return eacces
	}
	return einval
}
