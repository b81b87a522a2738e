package ext2

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Statfs reports what Linux's ext2 would: the blocks less the metadata
// (counted here from dumpe2fs's listing of every group), the free blocks,
// those free to anyone, the inodes, and the UUID folded into the fsid.
func TestStatfs(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		img := mkfs(t, bs, 40000, "")
		out, err := exec.Command(e2tool(t, "dumpe2fs"), img).Output()
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		field := func(name string) uint64 {
			m := regexp.MustCompile(`(?m)^` + name + `:\s+(\d+)`).FindStringSubmatch(text)
			if m == nil {
				t.Fatalf("dumpe2fs has no %q", name)
			}
			v, _ := strconv.ParseUint(m[1], 10, 64)
			return v
		}
		span := func(re string) uint64 {
			var n uint64
			for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(text, -1) {
				a, _ := strconv.ParseUint(m[1], 10, 64)
				b, _ := strconv.ParseUint(m[2], 10, 64)
				n += b - a + 1
			}
			return n
		}
		groups := uint64(strings.Count(text, "\nGroup "))
		overhead := field("First block") + uint64(strings.Count(text, "uperblock at")) +
			span(`Group descriptors at (\d+)-(\d+)`) + 2*groups + span(`Inode table at (\d+)-(\d+)`)
		d, _ := mount(t, img)
		got := Statfs()
		d.unmount()
		want := FSInfo{BlockSize: int64(bs), Blocks: field("Block count") - overhead, Free: field("Free blocks"),
			Files: field("Inode count"), FreeFiles: field("Free inodes")}
		want.Avail = want.Free - field("Reserved block count")
		got.Fsid = [2]uint32{}
		if got != want {
			t.Errorf("block size %d: Statfs() = %+v, want %+v", bs, got, want)
		}
	}
}
