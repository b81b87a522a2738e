// sigterm waits in pause() for SIGTERM (as `unigo stop` sends it): its
// handler writes a line, and the program exits 42 after saying so.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_term(int sig) {
	static const char msg[] = "handler: got SIGTERM\n";
	write(1, msg, sizeof msg - 1);
	got = sig;
}

int main(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0) {
		perror("sigaction");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!got) {
		// pause returns only when a handler has run, with EINTR.
		if (pause() != -1 || errno != EINTR) {
			printf("FAIL: pause: %s\n", strerror(errno));
			return 1;
		}
	}
	printf("exiting with 42 after signal %d\n", (int)got);
	return 42;
}
