// syscalls exercises the system calls of event loops and thread pools that
// the kernel answers for unmodified programs: timerfd, signalfd, the sched_*
// and priority calls, sendmmsg/recvmmsg, and datagram socket pairs. Each
// mode prints key=value lines the test reads, and "FAIL: ..." (exit 1) on
// the first answer Linux would not give. It runs natively too, to check
// the expectations against Linux.
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define FAIL(...)                                                          \
	do {                                                               \
		printf("FAIL: " __VA_ARGS__);                              \
		printf(" (errno %d: %s)\n", errno, strerror(errno));       \
		exit(1);                                                   \
	} while (0)
#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond))                                               \
			FAIL(__VA_ARGS__);                                 \
	} while (0)

static int64_t now_ns(clockid_t c) {
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct itimerspec its(int64_t value_ns, int64_t interval_ns) {
	struct itimerspec v;
	v.it_value.tv_sec = value_ns / 1000000000;
	v.it_value.tv_nsec = value_ns % 1000000000;
	v.it_interval.tv_sec = interval_ns / 1000000000;
	v.it_interval.tv_nsec = interval_ns % 1000000000;
	return v;
}

static uint64_t read_count(int fd) {
	uint64_t n;
	ssize_t r = read(fd, &n, sizeof n);
	CHECK(r == 8, "timerfd read returned %zd", r);
	return n;
}

// poll_pipe polls a pipe nobody writes for 300 ms and stores how long it
// waited, in ms, at arg.
static void *poll_pipe(void *arg) {
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	CHECK(poll(&pf, 1, 300) == 0, "poll of an empty pipe");
	*(int64_t *)arg = (now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
	close(p[0]);
	close(p[1]);
	return NULL;
}

// timerfd: a one-shot timer read blocking, a periodic one counted through
// epoll, expirations piling up unread, another thread's poll timeout kept
// while the timer wakes waiters, an absolute CLOCK_REALTIME deadline in
// poll, gettime, disarming, EAGAIN, and edge-triggered epoll.
static int timerfd_mode(void) {
	// One-shot, 100 ms, blocking read.
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	CHECK(fd >= 0, "timerfd_create");
	struct itimerspec v = its(100000000, 0), cur;
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	CHECK(timerfd_settime(fd, 0, &v, NULL) == 0, "timerfd_settime");
	CHECK(timerfd_gettime(fd, &cur) == 0, "timerfd_gettime");
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 100000000 &&
	          cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 0,
	      "gettime of a one-shot timer: value %ld.%09ld interval %ld.%09ld", (long)cur.it_value.tv_sec,
	      cur.it_value.tv_nsec, (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
	uint64_t n = read_count(fd);
	int64_t took = now_ns(CLOCK_MONOTONIC) - t0;
	printf("oneshot count=%llu oneshot_ms=%lld\n", (unsigned long long)n, (long long)(took / 1000000));
	CHECK(timerfd_gettime(fd, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0,
	      "an expired one-shot timer is disarmed");

	// Non-blocking: nothing to read yet.
	int nb = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK);
	CHECK(nb >= 0, "timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK)");
	v = its(10000000000LL, 0);
	CHECK(timerfd_settime(nb, 0, &v, NULL) == 0, "settime 10 s");
	uint64_t junk;
	CHECK(read(nb, &junk, 8) == -1 && errno == EAGAIN, "read of an unexpired non-blocking timer");
	CHECK(read(nb, &junk, 4) == -1 && errno == EINVAL, "read of 4 bytes");
	// Disarm, and read the old setting back.
	struct itimerspec zero = its(0, 0), old;
	CHECK(timerfd_settime(nb, 0, &zero, &old) == 0, "disarm");
	CHECK(old.it_value.tv_sec >= 9 && old.it_value.tv_sec <= 10, "old value %ld s", (long)old.it_value.tv_sec);
	CHECK(timerfd_gettime(nb, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0, "disarmed");
	close(nb);

	// Periodic, 50 ms, through epoll (level-triggered) for about a second.
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0, "epoll_create1");
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll_ctl");
	v = its(50000000, 50000000);
	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK(timerfd_settime(fd, 0, &v, NULL) == 0, "settime periodic");
	CHECK(timerfd_gettime(fd, &cur) == 0 && cur.it_interval.tv_nsec == 50000000, "gettime interval");
	uint64_t total = 0;
	int wakes = 0;
	while (total < 20) {
		struct epoll_event got;
		int r = epoll_wait(ep, &got, 1, 5000);
		CHECK(r == 1 && got.data.u64 == 7 && (got.events & EPOLLIN), "epoll_wait returned %d", r);
		total += read_count(fd);
		wakes++;
	}
	took = now_ns(CLOCK_MONOTONIC) - t0;
	printf("periodic_epoll expirations=%llu wakes=%d periodic_epoll_ms=%lld\n", (unsigned long long)total,
	       wakes, (long long)(took / 1000000));

	// Unread expirations pile up: 300 ms of a 50 ms timer.
	struct timespec pause = {0, 300000000};
	CHECK(timerfd_settime(fd, 0, &v, NULL) == 0, "settime periodic again");
	t0 = now_ns(CLOCK_MONOTONIC);
	nanosleep(&pause, NULL);
	n = read_count(fd);
	took = now_ns(CLOCK_MONOTONIC) - t0;
	printf("piled count=%llu piled_ms=%lld\n", (unsigned long long)n, (long long)(took / 1000000));

	// Blocking reads of the periodic timer: each returns one expiration.
	t0 = now_ns(CLOCK_MONOTONIC);
	total = 0;
	for (int i = 0; i < 10; i++)
		total += read_count(fd);
	took = now_ns(CLOCK_MONOTONIC) - t0;
	printf("periodic_read expirations=%llu periodic_read_ms=%lld\n", (unsigned long long)total,
	       (long long)(took / 1000000));

	// Another thread's poll keeps its 300 ms timeout while this one's
	// timer expires every 20 ms.
	pthread_t th;
	int64_t poll_ms = 0;
	v = its(20000000, 20000000);
	CHECK(timerfd_settime(fd, 0, &v, NULL) == 0, "settime 20 ms");
	pthread_create(&th, NULL, poll_pipe, &poll_ms);
	for (total = 0; total < 40;)
		total += read_count(fd);
	pthread_join(th, NULL);
	printf("other_poll_ms=%lld\n", (long long)poll_ms);
	v = its(50000000, 50000000);
	CHECK(timerfd_settime(fd, 0, &v, NULL) == 0, "settime 50 ms");

	// Edge-triggered: the first expiry after a read reports; a periodic
	// timer nobody reads expires on without waking anyone (as Linux, whose
	// timerfd re-arms when read).
	struct epoll_event et = {.events = EPOLLIN | EPOLLET, .data.u64 = 8};
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &et) == 0, "epoll_ctl MOD EPOLLET");
	read_count(fd);
	int edges = 0;
	for (int i = 0; i < 3; i++) {
		struct epoll_event got;
		int r = epoll_wait(ep, &got, 1, 5000);
		CHECK(r == 1 && got.data.u64 == 8, "edge-triggered epoll_wait returned %d", r);
		edges++;
		if (i < 2)
			read_count(fd);
	}
	struct epoll_event got;
	int quiet = epoll_wait(ep, &got, 1, 300);
	n = read_count(fd);
	printf("edges=%d unread_wait=%d unread_count_ok=%d\n", edges, quiet, n >= 5 && n <= 9);
	v = its(0, 0);
	timerfd_settime(fd, 0, &v, NULL);
	close(ep);
	close(fd);

	// Absolute CLOCK_REALTIME deadline, waited for with poll.
	fd = timerfd_create(CLOCK_REALTIME, 0);
	CHECK(fd >= 0, "timerfd_create(CLOCK_REALTIME)");
	int64_t wall = now_ns(CLOCK_REALTIME);
	v = its(wall + 150000000, 0);
	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK(timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &v, NULL) == 0, "settime absolute");
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r = poll(&p, 1, 5000);
	took = now_ns(CLOCK_MONOTONIC) - t0;
	CHECK(r == 1 && (p.revents & POLLIN), "poll returned %d revents %x", r, p.revents);
	printf("absolute count=%llu absolute_ms=%lld\n", (unsigned long long)read_count(fd),
	       (long long)(took / 1000000));
	// An absolute time already past expires at once.
	v = its(wall - 1000000000, 0);
	CHECK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &v, NULL) == 0, "settime in the past");
	CHECK(poll(&p, 1, 0) == 1, "a past deadline is expired");
	printf("past count=%llu\n", (unsigned long long)read_count(fd));
	CHECK(timerfd_settime(fd, 0x10, &v, NULL) == -1 && errno == EINVAL, "settime with a bad flag");
	close(fd);

	CHECK(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0) == -1 && errno == EINVAL, "a CPU-time clock");
	CHECK(timerfd_create(CLOCK_MONOTONIC, 0x1234) == -1 && errno == EINVAL, "bad flags");
	CHECK(timerfd_settime(1, 0, &v, NULL) == -1 && errno == EINVAL, "settime of stdout");
	printf("timerfd ok\n");
	return 0;
}

static void *kill_later(void *arg) {
	struct timespec d = {0, 100000000};
	nanosleep(&d, NULL);
	kill(getpid(), (int)(intptr_t)arg);
	return NULL;
}

static struct signalfd_siginfo read_siginfo(int fd) {
	struct signalfd_siginfo si;
	ssize_t r = read(fd, &si, sizeof si);
	CHECK(r == sizeof si, "signalfd read returned %zd", r);
	return si;
}

// signalfd: a raised SIGUSR1 read back, EAGAIN, a SIGUSR2 sent by another
// thread waited for in epoll and in a blocking read, and a changed mask.
static int signalfd_mode(void) {
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &mask, NULL) == 0, "sigprocmask");
	int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	CHECK(fd >= 0, "signalfd");
	struct signalfd_siginfo si;
	CHECK(read(fd, &si, sizeof si) == -1 && errno == EAGAIN, "read with nothing pending");

	raise(SIGUSR1);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLIN), "poll after raise");
	si = read_siginfo(fd);
	printf("raised signo=%u code=%d pid_ok=%d\n", si.ssi_signo, si.ssi_code, si.ssi_pid == (uint32_t)getpid());
	CHECK(poll(&p, 1, 0) == 0, "the signal was consumed");

	// Two at once in one read.
	raise(SIGUSR1);
	raise(SIGUSR2);
	struct signalfd_siginfo two[4];
	ssize_t r = read(fd, two, sizeof two);
	CHECK(r == 2 * sizeof(struct signalfd_siginfo), "read of two returned %zd", r);
	printf("two %u,%u\n", two[0].ssi_signo, two[1].ssi_signo);

	// Another thread's kill, waited for in epoll.
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 3};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll_ctl");
	pthread_t th;
	pthread_create(&th, NULL, kill_later, (void *)(intptr_t)SIGUSR2);
	struct epoll_event got;
	CHECK(epoll_wait(ep, &got, 1, 5000) == 1 && got.data.u32 == 3, "epoll_wait for the signal");
	si = read_siginfo(fd);
	printf("epoll signo=%u code=%d\n", si.ssi_signo, si.ssi_code);
	pthread_join(th, NULL);

	// A blocking read (another descriptor on the same mask, blocking).
	int bfd = signalfd(-1, &mask, 0);
	CHECK(bfd >= 0, "blocking signalfd");
	pthread_create(&th, NULL, kill_later, (void *)(intptr_t)SIGUSR1);
	si = read_siginfo(bfd);
	printf("blocking signo=%u code=%d\n", si.ssi_signo, si.ssi_code);
	pthread_join(th, NULL);

	// A changed mask: SIGUSR2 stays pending, unseen, until the mask has it.
	sigset_t only1;
	sigemptyset(&only1);
	sigaddset(&only1, SIGUSR1);
	CHECK(signalfd(fd, &only1, 0) == fd, "signalfd(fd, mask) returns fd");
	raise(SIGUSR2);
	CHECK(poll(&p, 1, 0) == 0, "SIGUSR2 is not in the mask any more");
	CHECK(signalfd(fd, &mask, 0) == fd, "mask back");
	CHECK(poll(&p, 1, 0) == 1, "SIGUSR2 is in the mask again");
	si = read_siginfo(fd);
	printf("remasked signo=%u\n", si.ssi_signo);
	CHECK(signalfd(1, &mask, 0) == -1 && errno == EINVAL, "signalfd on stdout");
	CHECK(syscall(SYS_signalfd4, -1, &mask, 4, 0) == -1 && errno == EINVAL, "a 4-byte mask");
	printf("signalfd ok\n");
	return 0;
}

// sigwait: blocks SIGTERM, says ready, and reads it from a signalfd (sent
// by `unigo stop`).
static int sigwait_mode(void) {
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	CHECK(sigprocmask(SIG_BLOCK, &mask, NULL) == 0, "sigprocmask");
	int fd = signalfd(-1, &mask, 0);
	CHECK(fd >= 0, "signalfd");
	printf("ready\n");
	fflush(stdout);
	struct signalfd_siginfo si = read_siginfo(fd);
	printf("signalfd read signal %u\n", si.ssi_signo);
	return 43;
}

// sigtimedwait: sigwaitinfo takes a raised, blocked SIGUSR1; sigtimedwait on SIGUSR2 times out after 100 ms with EAGAIN, then
// gets the SIGUSR2 another thread sends 50 ms into the wait.
static pthread_t waiter;

static void *send_usr2(void *arg) {
	(void)arg;
	usleep(50000);
	pthread_kill(waiter, SIGUSR2);
	return NULL;
}

static int sigtimedwait_mode(void) {
	sigset_t usr1, usr2;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigset_t both = usr1;
	sigaddset(&both, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &both, NULL) == 0, "sigprocmask");
	raise(SIGUSR1);
	siginfo_t si;
	int sig = sigwaitinfo(&usr1, &si);
	printf("sigwaitinfo=%d signo=%d\n", sig, si.si_signo);
	struct timespec limit = {0, 100000000};
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	sig = sigtimedwait(&usr2, &si, &limit);
	int64_t waited = (now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
	printf("timeout=%d eagain=%d waited_ms=%lld\n", sig, sig == -1 && errno == EAGAIN, (long long)waited);
	waiter = pthread_self();
	pthread_t th;
	pthread_create(&th, NULL, send_usr2, NULL);
	struct timespec long_limit = {10, 0};
	sig = sigtimedwait(&usr2, &si, &long_limit);
	pthread_join(th, NULL);
	printf("from_thread=%d\n", sig);
	printf("sigtimedwait ok\n");
	return 0;
}

// sched: the answers of SCHED_OTHER at nice 0 without privilege.
static int sched_mode(void) {
	struct sched_param sp = {.sched_priority = 5};
	printf("getscheduler=%d\n", sched_getscheduler(0));
	CHECK(sched_getparam(0, &sp) == 0, "sched_getparam");
	printf("priority=%d\n", sp.sched_priority);
	printf("fifo_max=%d fifo_min=%d rr_max=%d other_max=%d other_min=%d\n", sched_get_priority_max(SCHED_FIFO),
	       sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_RR),
	       sched_get_priority_max(SCHED_OTHER), sched_get_priority_min(SCHED_OTHER));
	CHECK(sched_get_priority_max(42) == -1 && errno == EINVAL, "priority_max of a bad policy");
	sp.sched_priority = 10;
	CHECK(sched_setscheduler(0, SCHED_FIFO, &sp) == -1 && errno == EPERM, "SCHED_FIFO needs a privilege");
	sp.sched_priority = 5;
	CHECK(sched_setscheduler(0, SCHED_OTHER, &sp) == -1 && errno == EINVAL, "SCHED_OTHER at priority 5");
	sp.sched_priority = 0;
	CHECK(sched_setscheduler(0, SCHED_BATCH, &sp) == 0, "SCHED_BATCH");
	printf("after_batch=%d\n", sched_getscheduler(0));
	CHECK(sched_setscheduler(0, SCHED_OTHER, &sp) == 0, "SCHED_OTHER");
	CHECK(sched_setparam(0, &sp) == 0, "sched_setparam");
	CHECK(sched_getscheduler(-1) == -1 && errno == EINVAL, "pid -1");
	CHECK(sched_getscheduler(99999) == -1 && errno == ESRCH, "no such pid");
	CHECK(sched_getscheduler(gettid()) == SCHED_OTHER, "the thread's own id");
	struct timespec rr = {-1, -1};
	CHECK(sched_rr_get_interval(0, &rr) == 0 && rr.tv_sec == 0 && rr.tv_nsec >= 0 && rr.tv_nsec < 1000000000,
	      "sched_rr_get_interval: %ld.%09ld", (long)rr.tv_sec, rr.tv_nsec);

	errno = 0;
	printf("raw_getpriority=%ld\n", syscall(SYS_getpriority, PRIO_PROCESS, 0));
	printf("nice=%d\n", getpriority(PRIO_PROCESS, 0));
	CHECK(setpriority(PRIO_PROCESS, 0, 5) == 0, "setpriority 5");
	printf("nice_after=%d\n", getpriority(PRIO_PROCESS, 0));
	CHECK(setpriority(PRIO_PROCESS, 0, 0) == -1 && errno == EACCES, "raising the priority back");
	CHECK(getpriority(42, 0) == -1 && errno == EINVAL, "a bad which");
	printf("sched ok\n");
	return 0;
}

// send3 sends three datagrams of 1, 2 and 3 bytes with one sendmmsg (to
// dst when not NULL) and returns the count.
static int send3(int fd, struct sockaddr_in *dst) {
	static char a[] = "a", b[] = "bb", c[] = "ccc";
	char *bufs[3] = {a, b, c};
	struct iovec iov[3];
	struct mmsghdr m[3];
	memset(m, 0, sizeof m);
	for (int i = 0; i < 3; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = i + 1;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		if (dst) {
			m[i].msg_hdr.msg_name = dst;
			m[i].msg_hdr.msg_namelen = sizeof *dst;
		}
	}
	int r = sendmmsg(fd, m, 3, 0);
	CHECK(r == 3, "sendmmsg returned %d", r);
	CHECK(m[0].msg_len == 1 && m[1].msg_len == 2 && m[2].msg_len == 3, "sendmmsg's msg_len %u %u %u",
	      m[0].msg_len, m[1].msg_len, m[2].msg_len);
	return r;
}

// recv3 receives the three datagrams with recvmmsg (MSG_WAITFORONE: as
// many as have come, at least one, in as many calls as it takes) and
// prints what came.
static void recv3(int fd, const char *name, struct sockaddr_in *from) {
	char bufs[8][16];
	struct iovec iov[8];
	struct mmsghdr m[8];
	struct sockaddr_in src[8];
	char got[64] = "";
	int total = 0, calls = 0;
	while (total < 3) {
		memset(m, 0, sizeof m);
		for (int i = 0; i < 8; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof bufs[i];
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
			m[i].msg_hdr.msg_name = &src[i];
			m[i].msg_hdr.msg_namelen = sizeof src[i];
		}
		struct timespec timeout = {5, 0};
		int r = recvmmsg(fd, m, 8, MSG_WAITFORONE, &timeout);
		CHECK(r >= 1, "recvmmsg returned %d", r);
		calls++;
		for (int i = 0; i < r; i++) {
			char one[20];
			snprintf(one, sizeof one, "%s%.*s", total ? "," : "", (int)m[i].msg_len, bufs[i]);
			strcat(got, one);
			total++;
			if (from)
				CHECK(m[i].msg_hdr.msg_namelen == sizeof src[i] && src[i].sin_port == from->sin_port &&
				          src[i].sin_addr.s_addr == from->sin_addr.s_addr,
				      "the source address of datagram %d", total);
		}
	}
	printf("%s got=%s\n", name, got);
}

// mmsg: sendmmsg and recvmmsg over an AF_UNIX datagram pair and over UDP on
// the loopback address.
static int mmsg_mode(void) {
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair(AF_UNIX, SOCK_DGRAM)");
	send3(sv[0], NULL);
	recv3(sv[1], "pair", NULL);
	// Nothing queued: a non-blocking recvmmsg answers EAGAIN.
	struct mmsghdr m;
	char b[4];
	struct iovec iov = {b, sizeof b};
	memset(&m, 0, sizeof m);
	m.msg_hdr.msg_iov = &iov;
	m.msg_hdr.msg_iovlen = 1;
	CHECK(recvmmsg(sv[1], &m, 1, MSG_DONTWAIT, NULL) == -1 && errno == EAGAIN, "recvmmsg with nothing queued");
	CHECK(sendmmsg(sv[0], &m, 0, 0) == 0, "sendmmsg of nothing");

	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(rx >= 0 && tx >= 0, "UDP sockets");
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof addr;
	CHECK(bind(rx, (struct sockaddr *)&addr, sizeof addr) == 0, "bind");
	CHECK(getsockname(rx, (struct sockaddr *)&addr, &len) == 0, "getsockname");
	struct sockaddr_in txaddr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	CHECK(bind(tx, (struct sockaddr *)&txaddr, sizeof txaddr) == 0, "bind the sender");
	len = sizeof txaddr;
	CHECK(getsockname(tx, (struct sockaddr *)&txaddr, &len) == 0, "getsockname of the sender");
	send3(tx, &addr);
	recv3(rx, "udp", &txaddr);
	printf("mmsg ok\n");
	return 0;
}

// pairs: datagram and seqpacket socket pairs keep message boundaries.
static int pairs_mode(void) {
	int types[2] = {SOCK_DGRAM, SOCK_SEQPACKET};
	const char *names[2] = {"dgram", "seqpacket"};
	for (int k = 0; k < 2; k++) {
		int sv[2];
		CHECK(socketpair(AF_UNIX, types[k] | SOCK_CLOEXEC, 0, sv) == 0, "socketpair(%s)", names[k]);
		CHECK(send(sv[0], "one", 3, 0) == 3 && send(sv[0], "three", 5, 0) == 5, "%s send", names[k]);
		CHECK(send(sv[1], "back", 4, 0) == 4, "%s send back", names[k]);
		char buf[16];
		ssize_t a = recv(sv[1], buf, sizeof buf, 0);
		ssize_t b = recv(sv[1], buf, 2, 0); // truncated: the rest of "three" is gone
		ssize_t c = recv(sv[0], buf, sizeof buf, 0);
		CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN, "%s: nothing left",
		      names[k]);
		int type = 0;
		socklen_t tl = sizeof type;
		CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == types[k], "%s SO_TYPE %d",
		      names[k], type);
		close(sv[0]);
		ssize_t eof = recv(sv[1], buf, sizeof buf, MSG_DONTWAIT);
		int eof_errno = eof < 0 ? errno : 0;
		printf("%s sizes=%zd,%zd,%zd after_close=%zd errno=%d\n", names[k], a, b, c, eof, eof_errno);
		close(sv[1]);
	}
	printf("pairs ok\n");
	return 0;
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		printf("usage: syscalls timerfd|signalfd|sigwait|sigtimedwait|sched|mmsg|pairs\n");
		return 2;
	}
	if (!strcmp(argv[1], "timerfd"))
		return timerfd_mode();
	if (!strcmp(argv[1], "signalfd"))
		return signalfd_mode();
	if (!strcmp(argv[1], "sigwait"))
		return sigwait_mode();
	if (!strcmp(argv[1], "sigtimedwait"))
		return sigtimedwait_mode();
	if (!strcmp(argv[1], "sched"))
		return sched_mode();
	if (!strcmp(argv[1], "mmsg"))
		return mmsg_mode();
	if (!strcmp(argv[1], "pairs"))
		return pairs_mode();
	printf("unknown mode %s\n", argv[1]);
	return 2;
}
