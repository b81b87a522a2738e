// crash dies as asked: segv (a write through a null pointer, in main),
// abort, or stack (unbounded recursion), for e2e TestExecCrash.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  printf("mode %s\n", argc > 1 ? argv[1] : "none"); fflush(stdout);
  if (argc > 1 && !strcmp(argv[1], "segv")) { volatile int *p = 0; *p = 1; }
  if (argc > 1 && !strcmp(argv[1], "abort")) abort();
  if (argc > 1 && !strcmp(argv[1], "div")) { volatile int z = 0; printf("%d\n", 1 / z); }
  if (argc > 1 && !strcmp(argv[1], "stack")) { char buf[1024]; memset(buf, 1, sizeof buf); return main(argc, argv) + buf[5]; }
  return 0;
}
