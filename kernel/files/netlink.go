package files

// Referenced reports whether a descriptor, or a file in flight, of kind k
// names slot id (Sock): a netlink socket's slot is free once none does.
func Referenced(k Kind, id int32) bool {
	return referenced(func(f *File) bool { return f.Kind == k && f.Sock == id })
}
