/* hello: the C program of `unigo bench boot --exec` (BENCHMARKS.md), the
 * counterpart of examples/hello: one line on stdout, exit 0. Build it
 * static with musl (Debian's musl-tools), then boot it unmodified:
 *
 *   musl-gcc -static -O2 -o hello-c examples/exec/hello.c
 *   unigo run ./hello-c
 */
#include <stdio.h>

int main(void) {
	puts("Hello from C, unmodified!");
	return 0;
}
