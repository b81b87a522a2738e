// sigterm waits in pause() for SIGTERM (as `unigo stop` sends it): its
// handler writes a line, and the program exits 42 after saying so. With
// the argument "suspend" it keeps SIGTERM blocked and waits in
// sigsuspend() with an empty mask instead, then checks that its own mask
// (SIGTERM blocked) is back.
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

int main(int argc, char **argv) {
	int suspend = argc > 1 && strcmp(argv[1], "suspend") == 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0) {
		perror("sigaction");
		return 1;
	}
	sigset_t term, none, cur;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigemptyset(&none);
	if (suspend)
		sigprocmask(SIG_BLOCK, &term, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!got) {
		// pause and sigsuspend return only when a handler has run, with EINTR.
		int r = suspend ? sigsuspend(&none) : pause();
		if (r != -1 || errno != EINTR) {
			printf("FAIL: %s: %s\n", suspend ? "sigsuspend" : "pause", strerror(errno));
			return 1;
		}
	}
	if (suspend) {
		sigprocmask(SIG_BLOCK, NULL, &cur);
		printf("SIGTERM blocked again: %s\n", sigismember(&cur, SIGTERM) ? "yes" : "no");
	}
	printf("exiting with 42 after signal %d\n", (int)got);
	return 42;
}
