/* rawsocket makes its socket calls with syscall(2): no socket symbol names
 * them, so unigo build cannot see them, and the image's kernel carries the
 * network stack only with --net-stack (e2e TestExecNetStack). */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	for (int i = 0; i < 2; i++) {
		long fd = syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
		printf("socket=%ld errno=%d\n", fd, fd < 0 ? errno : 0);
	}
	return 0;
}
