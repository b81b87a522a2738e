package kernel

import (
	"bytes"
	"encoding/binary"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"testing"
	"unsafe"

	"unigo.dev/unigo/kernel/threads"
)

// The layout contract between the Go side and trap_amd64.s/pvh_amd64.s
// that go_asm.h does not carry (see trapstate.go). These run on the host:
// the kernel package links into a test binary, stubs and all.

// The frame ends with what the CPU pushes on an interrupt, in its order
// (error code, RIP, CS, RFLAGS, RSP, SS, at rising addresses), and the
// stubs push the vector right below the error code.
func TestFrameMatchesCPU(t *testing.T) {
	ft := reflect.TypeOf(threads.Frame{})
	for i := 0; i < ft.NumField(); i++ {
		if f := ft.Field(i); f.Type.Kind() != reflect.Uint64 {
			t.Errorf("Frame.%s is %s: the entry saves 8-byte words", f.Name, f.Type)
		}
	}
	tail := []string{"Vector", "ErrorCode", "RIP", "CS", "RFLAGS", "RSP", "SS"}
	end := ft.Size()
	for i := len(tail) - 1; i >= 0; i-- {
		f, ok := ft.FieldByName(tail[i])
		if !ok {
			t.Fatalf("Frame has no %s", tail[i])
		}
		if f.Offset != end-8 {
			t.Errorf("Frame.%s at %d, want %d: the frame must end with %v", tail[i], f.Offset, end-8, tail)
		}
		end = f.Offset
	}
}

// errorCodeVectors are the exceptions for which the CPU pushes an error
// code (Intel SDM vol. 3, 6.13; AMD APM vol. 2, 8.2).
var errorCodeVectors = map[int]bool{8: true, 10: true, 11: true, 12: true, 13: true, 14: true, 17: true, 21: true, 29: true, 30: true}

// Vector n's stub starts at vectors+n*vectorStubSize (kernelMain sets the
// IDT gates so), pushes a 0 error code unless the CPU pushed one, pushes n
// and jumps to trapCommon. Read from the assembled code of this binary.
func TestVectorStubs(t *testing.T) {
	if name := runtime.FuncForPC(vectorsAddr()).Name(); name != "unigo.dev/unigo/kernel.vectors" {
		t.Fatalf("vectorsAddr() is in %q", name)
	}
	code := unsafe.Slice((*byte)(unsafe.Add(nil, vectorsAddr())), 256*vectorStubSize)
	var (
		noCode  = []byte{0x48, 0x8d, 0x64, 0x24, 0xf0, 0x48, 0xc7, 0x44, 0x24, 0x08, 0, 0, 0, 0} // LEAQ -16(SP), SP; MOVQ $0, 8(SP)
		cpuCode = []byte{0x48, 0x8d, 0x64, 0x24, 0xf8}                                           // LEAQ -8(SP), SP
		vector  = []byte{0x48, 0xc7, 0x04, 0x24}                                                 // MOVQ $imm32, 0(SP)
	)
	for n := 0; n < 256; n++ {
		stub := code[n*vectorStubSize : (n+1)*vectorStubSize]
		i := 0
		switch {
		case bytes.HasPrefix(stub, noCode):
			i = len(noCode)
			if errorCodeVectors[n] {
				t.Errorf("vector %d: its stub pushes an error code the CPU pushes too", n)
			}
		case bytes.HasPrefix(stub, cpuCode):
			i = len(cpuCode)
			if !errorCodeVectors[n] {
				t.Errorf("vector %d: its stub takes an error code the CPU does not push", n)
			}
		default:
			t.Fatalf("vector %d: stub % x does not adjust the stack as expected", n, stub)
		}
		if !bytes.HasPrefix(stub[i:], vector) || binary.LittleEndian.Uint32(stub[i+4:]) != uint32(n) {
			t.Fatalf("vector %d: stub % x does not push %d", n, stub, n)
		}
		i += len(vector) + 4
		var target uintptr
		switch at := vectorsAddr() + uintptr(n*vectorStubSize+i); stub[i] {
		case 0xe9: // JMP rel32
			target = at + 5 + uintptr(int32(binary.LittleEndian.Uint32(stub[i+1:])))
		case 0xeb: // JMP rel8
			target = at + 2 + uintptr(int8(stub[i+1]))
		default:
			t.Fatalf("vector %d: stub % x does not end in a jump", n, stub)
		}
		if name := runtime.FuncForPC(target).Name(); name != "unigo.dev/unigo/kernel.trapCommon" {
			t.Fatalf("vector %d: stub jumps into %q", n, name)
		}
	}
}

// kernelG's stack bounds (pvh_amd64.s, offsets in trapstate.go) are where
// this Go's runtime keeps them in its g: stack.lo, stack.hi, stackguard0,
// stackguard1 first. Read from the runtime's source.
func TestKernelGMatchesRuntime(t *testing.T) {
	src := filepath.Join(build.Default.GOROOT, "src", "runtime", "runtime2.go")
	f, err := parser.ParseFile(token.NewFileSet(), src, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	fields := func(name string) (names, types []string) {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, s := range g.Specs {
				ts := s.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if ts.Name.Name != name || !ok {
					continue
				}
				for _, fl := range st.Fields.List {
					typ, _ := fl.Type.(*ast.Ident)
					for _, n := range fl.Names {
						names = append(names, n.Name)
						if typ != nil {
							types = append(types, typ.Name)
						} else {
							types = append(types, "?")
						}
					}
				}
			}
		}
		return names, types
	}
	want := func(name string, wantNames, wantTypes []string) {
		names, types := fields(name)
		if len(names) < len(wantNames) || !reflect.DeepEqual(names[:len(wantNames)], wantNames) || !reflect.DeepEqual(types[:len(wantNames)], wantTypes) {
			t.Errorf("runtime.%s in %s begins with %v %v, want %v %v: move kernelG's offsets", name, src, names, types, wantNames, wantTypes)
		}
	}
	want("stack", []string{"lo", "hi"}, []string{"uintptr", "uintptr"})
	want("g", []string{"stack", "stackguard0", "stackguard1"}, []string{"stack", "uintptr", "uintptr"})
	if gStackLo != 0 || gStackHi != 8 || gStackguard0 != 16 || gStackguard1 != 24 {
		t.Errorf("g offsets %d %d %d %d, want 0 8 16 24 for the fields above", gStackLo, gStackHi, gStackguard0, gStackguard1)
	}
}

// The assembly names every offset into trapState and kernelG: a number
// written there instead could drift.
func TestAssemblyUsesNamedOffsets(t *testing.T) {
	literal := regexp.MustCompile(`·(trapState|kernelG)\+[0-9]`)
	for _, name := range []string{"trap_amd64.s", "pvh_amd64.s"} {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range bytes.Split(src, []byte("\n")) {
			if literal.Match(line) {
				t.Errorf("%s:%d: a literal offset: %s", name, i+1, line)
			}
		}
	}
}
