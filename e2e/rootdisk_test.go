package e2e

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	unigoimage "unigo.dev/unigo/image"
)

// A root file system of image.RootDiskMin bytes or more stays in the image
// file, which the VM gets as a read-only disk: its files read, map and
// change as if loaded, a volume keeps its place (/dev/vda, the only disk
// the app sees) and the image file is not written.
func TestRootOnDisk(t *testing.T) {
	t.Parallel()
	rootfs := t.TempDir()
	os.Mkdir(filepath.Join(rootfs, "data"), 0o755)
	big := make([]byte, 3<<20+123)
	rand.New(rand.NewSource(7)).Read(big)
	mid := bytes.Repeat([]byte("just over the size left on the disk\n"), 300) // 10.8 KB
	files := map[string][]byte{"big.bin": big, "mid.bin": mid, "small.txt": []byte("small and copied in\n")}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(rootfs, "data", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(t.TempDir(), "bigroot.img")
	unigo(t, nil, "build", "--rootfs", rootfs, "-o", img, "./e2e/testdata/bigroot").expect(t, 0)
	if onDisk, err := unigoimage.RootOnDisk(img); err != nil || !onDisk {
		t.Fatalf("image.RootOnDisk(%s) = %v, %v; want the %d-byte root on the disk", img, onDisk, err, len(big))
	}
	before, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}

	after := append(bytes.Clone(big[:2<<20]), make([]byte, 1<<20)...)
	copy(after[1<<20:], "changed in the guest")
	root := newRoot(t)
	in(t, root, "volume", "create", "rdvol", "--size", "16M").expect(t, 0)
	in(t, root, "run", "-v", "rdvol:/vol", img).expect(t, 0,
		fmt.Sprintf("big read: %x err=<nil>\n", sha256.Sum256(big)),
		fmt.Sprintf("mid read: %x err=<nil>\n", sha256.Sum256(mid)),
		`small read: "small and copied in\n" err=<nil>`,
		fmt.Sprintf("big size %d, blocks cover it: true\n", len(big)),
		fmt.Sprintf("big mapped: %x\n", sha256.Sum256(big)),
		fmt.Sprintf("big after write and truncate: %x (%d bytes)\n", sha256.Sum256(after), len(after)),
		"disks: [/dev/vda]\n",
		"volume write: <nil>\n")
	if now, err := os.ReadFile(img); err != nil || !bytes.Equal(now, before) {
		t.Errorf("the image file changed while it booted (err %v)", err)
	}

}
