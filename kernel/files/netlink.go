package files

// Referenced reports whether a descriptor, or a file in flight, of kind k
// names slot id (Sock): a netlink socket's slot is free once none does.
func Referenced(k Kind, id int32) bool {
	for fd := 0; fd < serviceSeen; fd = nextSeen(fd) {
		if fds[fd].Kind == k && fds[fd].Sock == id {
			return true
		}
	}
	for i := range inflight {
		if inflight[i].Kind == k && inflight[i].Sock == id {
			return true
		}
	}
	return false
}
