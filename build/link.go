package build

import "strings"

// The names and addresses that tie an app to the guest kernel, fixed by
// docs/boot-contract.md. They live here and nowhere else on the host side.
const (
	// ModulePath is the module the kernel belongs to.
	ModulePath = "unigo.dev/unigo"
	// KernelPackage is imported (blank) into every app's main package.
	KernelPackage = ModulePath + "/kernel"
	// NetstackPackage is imported (blank) too when the app uses package
	// net: the network stack, which needs gVisor (docs/network-design.md).
	NetstackPackage = ModulePath + "/kernel/netstack"
	// EntrySymbol is the kernel's 32-bit PVH entry point: the ELF entry.
	EntrySymbol = KernelPackage + ".pvhEntry"
	// TextAddress is where the linker puts .text; the ELF headers land in the
	// page below it (0x100000), which is where a PVH loader puts the image.
	TextAddress = "0x101000"
	// OverlayFile is the file the build adds to the app's main package.
	OverlayFile = "zz_unigo_kernel.go"
	// KernelModuleGoVersion is the go line of the extracted kernel's go.mod.
	KernelModuleGoVersion = "1.22"
)

// overlaySource is the content of OverlayFile; withNet adds the network
// stack.
func overlaySource(withNet bool) string {
	s := "package main\n\nimport _ \"" + KernelPackage + "\"\n"
	if withNet {
		s += "import _ \"" + NetstackPackage + "\"\n"
	}
	return s
}

// usesNet reports whether a package list (go list's Deps, or its lines)
// has package net, or a test variant of it: then the app needs the stack.
func usesNet(pkgs []string) bool {
	for _, p := range pkgs {
		if p == "net" || strings.HasPrefix(p, "net [") {
			return true
		}
	}
	return false
}

// ldflags are the linker flags that make the kernel's entry the image's.
const ldflags = "-E " + EntrySymbol + " -T " + TextAddress

// Target platform: the Linux system-call ABI is the seam between app and
// kernel, so every app is built for linux/amd64, statically.
var targetEnv = []string{"GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0"}
