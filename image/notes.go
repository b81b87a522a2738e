package image

import "bytes"

// note is one ELF note: name, type and descriptor.
type note struct {
	name string
	typ  uint32
	desc []byte
}

// encode lays the note out as an ELF note with 4-byte alignment: namesz,
// descsz, type, then the NUL-terminated name and the descriptor, each padded.
func (n note) encode() []byte {
	name := append([]byte(n.name), 0)
	b := make([]byte, 12, 12+alignUp(uint64(len(name)), noteAlign)+alignUp(uint64(len(n.desc)), noteAlign))
	le.PutUint32(b[0:], uint32(len(name)))
	le.PutUint32(b[4:], uint32(len(n.desc)))
	le.PutUint32(b[8:], n.typ)
	b = append(b, pad(name)...)
	b = append(b, pad(n.desc)...)
	return b
}

func pad(b []byte) []byte {
	return append(b, make([]byte, alignUp(uint64(len(b)), noteAlign)-uint64(len(b)))...)
}

// parseNotes decodes the notes of one PT_NOTE segment; it stops at the first
// malformed note rather than failing, because a note it cannot read is a note
// it does not look for.
func parseNotes(b []byte, align uint64) []note {
	if align < noteAlign {
		align = noteAlign
	}
	var ns []note
	for len(b) >= 12 {
		namesz, descsz, typ := uint64(le.Uint32(b[0:])), uint64(le.Uint32(b[4:])), le.Uint32(b[8:])
		nameEnd := 12 + alignUp(namesz, align)
		descEnd := nameEnd + alignUp(descsz, align)
		if nameEnd > uint64(len(b)) || nameEnd+descsz > uint64(len(b)) {
			break
		}
		ns = append(ns, note{
			name: string(bytes.TrimRight(b[12:12+namesz], "\x00")),
			typ:  typ,
			desc: b[nameEnd : nameEnd+descsz],
		})
		if descEnd > uint64(len(b)) {
			break
		}
		b = b[descEnd:]
	}
	return ns
}

// xenEntryNote is the note a PVH loader reads: the 32-bit entry address.
func xenEntryNote(entry uint64) note {
	desc := make([]byte, 8)
	le.PutUint64(desc, entry)
	return note{name: xenNoteName, typ: xenElfnotePhys32, desc: desc}
}

// versionNote marks the file as a unigo image of this format.
func versionNote() note {
	return note{name: unigoNoteName, typ: unigoNoteVersion, desc: append([]byte(FormatVersion), 0)}
}
