package ext2

// Little-endian fields by hand: kernel packages do not import
// encoding/binary (unigo test must be able to run that package's tests).

func le16(b []byte, at int) uint16 { return uint16(b[at]) | uint16(b[at+1])<<8 }

func le32(b []byte, at int) uint32 {
	return uint32(b[at]) | uint32(b[at+1])<<8 | uint32(b[at+2])<<16 | uint32(b[at+3])<<24
}

func put16(b []byte, at int, v uint16) { b[at], b[at+1] = byte(v), byte(v>>8) }

func put32(b []byte, at int, v uint32) {
	b[at], b[at+1], b[at+2], b[at+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// sameName compares two names without converting them to strings.
func sameName(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isDot(name []byte) bool    { return len(name) == 1 && name[0] == '.' }
func isDotDot(name []byte) bool { return len(name) == 2 && name[0] == '.' && name[1] == '.' }
