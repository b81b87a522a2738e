// checks is an ordinary C program that the exec tests build static, with
// musl and with glibc, and boot unmodified: one check per run, named by the
// first argument. Each prints what it saw, "FAIL: ..." lines for what went
// wrong, and exits 1 if anything did.
//
//	checks hello CODE WORDS...   argv, /proc/self/exe, main's address; exits CODE
//	checks threads               8 pthreads: a mutex, condition variables, __thread
//	checks malloc                brk, 1000 mallocs, large (mmap) blocks, realloc growing
//	checks files                 files under /tmp: write, read back, stat, rename, readdir
//	checks sleep                 nanosleep against CLOCK_MONOTONIC; CLOCK_REALTIME
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failed;

#define CHECK(cond, ...)                     \
	do {                                     \
		if (!(cond)) {                       \
			printf("FAIL: " __VA_ARGS__);    \
			printf(" (%s)\n", #cond);        \
			failed = 1;                      \
		}                                    \
	} while (0)

static long long nsec(clockid_t clock) {
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int hello(int argc, char **argv) {
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	char exe[256];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n < 0 ? 0 : n] = 0;
	printf("exe=%s\n", exe);
	printf("main=%p\n", (void *)hello);
	int code = argc > 2 ? atoi(argv[2]) : 0;
	printf("exiting with %d\n", code);
	return code;
}

// threads: each worker adds to a shared counter under a mutex, keeps its
// own count in a __thread variable, then waits at a barrier made of a
// condition variable until the main thread releases all of them at once.
enum { nthreads = 8, rounds = 20000 };
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t arrived = PTHREAD_COND_INITIALIZER, released = PTHREAD_COND_INITIALIZER;
static long counter;
static int waiting, go;
static __thread long mine;
static __thread int tls_init = 7; // an initialized TLS variable (.tdata)

static void *worker(void *arg) {
	long id = (long)arg;
	if (tls_init != 7)
		return (void *)-1;
	tls_init = (int)id;
	for (int i = 0; i < rounds; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
		mine++;
		if (i % 1000 == 0)
			sched_yield();
	}
	pthread_mutex_lock(&mu);
	waiting++;
	pthread_cond_signal(&arrived);
	while (!go)
		pthread_cond_wait(&released, &mu);
	pthread_mutex_unlock(&mu);
	if (tls_init != (int)id)
		return (void *)-2;
	return (void *)mine;
}

static int threads(void) {
	pthread_t t[nthreads];
	mine = 12345;
	for (long i = 0; i < nthreads; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)(i + 100)) == 0, "pthread_create %ld", i);
	pthread_mutex_lock(&mu);
	while (waiting < nthreads)
		pthread_cond_wait(&arrived, &mu);
	go = 1;
	pthread_cond_broadcast(&released);
	pthread_mutex_unlock(&mu);
	int tls_ok = 0;
	for (int i = 0; i < nthreads; i++) {
		void *ret;
		CHECK(pthread_join(t[i], &ret) == 0, "pthread_join %d", i);
		if ((long)ret == rounds)
			tls_ok++;
		else
			printf("FAIL: thread %d returned %ld\n", i, (long)ret), failed = 1;
	}
	CHECK(mine == 12345, "the main thread's __thread variable is %ld", mine);
	printf("threads: counter=%ld waited=%d tls_ok=%d\n", counter, waiting, tls_ok);
	CHECK(counter == (long)nthreads * rounds, "counter %ld", counter);
	return failed;
}

static int mallocs(void) {
	// brk directly: grow by 1 MiB, use it, give it back (no malloc runs
	// in between, so the C library's heap is left as it was).
	uintptr_t cur = syscall(SYS_brk, 0);
	uintptr_t grown = syscall(SYS_brk, cur + (1 << 20));
	CHECK(grown == cur + (1 << 20), "brk from %#lx to %#lx", (unsigned long)cur, (unsigned long)grown);
	if (grown == cur + (1 << 20)) {
		memset((void *)cur, 0x5a, 1 << 20);
		CHECK(((unsigned char *)cur)[(1 << 20) - 1] == 0x5a, "brk memory");
	}
	CHECK(syscall(SYS_brk, cur) == (long)cur, "brk shrinking back");
	long brk_grew = grown - cur;

	// 1000 blocks of many sizes, all live at once, each with its own
	// pattern, checked after all were written.
	enum { nblocks = 1000 };
	static unsigned char *blocks[nblocks];
	size_t total = 0;
	for (int i = 0; i < nblocks; i++) {
		size_t size = 16 + (size_t)(i * 7919) % 16384;
		blocks[i] = malloc(size);
		CHECK(blocks[i] != NULL, "malloc %zu", size);
		memset(blocks[i], i & 0xff, size);
		total += size;
	}
	int good = 0;
	for (int i = 0; i < nblocks; i++) {
		size_t size = 16 + (size_t)(i * 7919) % 16384;
		if (blocks[i][0] == (i & 0xff) && blocks[i][size - 1] == (i & 0xff))
			good++;
		free(blocks[i]);
	}
	CHECK(good == nblocks, "%d blocks kept their contents", good);

	// Large blocks, beyond both libraries' mmap threshold.
	int big_ok = 0;
	for (int i = 0; i < 4; i++) {
		size_t size = (size_t)(i + 1) << 22;
		unsigned char *p = malloc(size);
		CHECK(p != NULL, "malloc %zu", size);
		for (size_t j = 0; j < size; j += 4096)
			p[j] = (unsigned char)(j >> 12);
		int ok = 1;
		for (size_t j = 0; j < size; j += 4096)
			ok &= p[j] == (unsigned char)(j >> 12);
		big_ok += ok;
		free(p);
	}
	CHECK(big_ok == 4, "%d large blocks kept their contents", big_ok);

	// realloc growing from 1 KiB to 16 MiB (mremap, for the large ones):
	// what was written before each growth must still be there.
	size_t size = 1024;
	unsigned char *p = malloc(size);
	for (size_t j = 0; j < size; j++)
		p[j] = (unsigned char)(j * 31 + 7);
	int grows = 0;
	while (size < (16 << 20)) {
		size_t next = size + size / 2 + 4096;
		if (next > (16 << 20))
			next = 16 << 20;
		p = realloc(p, next);
		CHECK(p != NULL, "realloc to %zu", next);
		for (size_t j = size; j < next; j++)
			p[j] = (unsigned char)(j * 31 + 7);
		size = next;
		grows++;
	}
	size_t bad = 0;
	for (size_t j = 0; j < size; j++)
		bad += p[j] != (unsigned char)(j * 31 + 7);
	free(p);
	CHECK(bad == 0, "%zu bytes changed by realloc", bad);
	printf("malloc: brk grew by %ld, %d blocks of %zu bytes ok, %d large ok, realloc to %zu in %d steps ok\n",
	       brk_grew, good, total, big_ok, size, grows);
	return failed;
}

static int files(void) {
	CHECK(mkdir("/tmp/cdir", 0755) == 0, "mkdir: %s", strerror(errno));
	enum { size = 300000 };
	static char buf[size], back[size];
	for (int i = 0; i < size; i++)
		buf[i] = (char)('a' + i % 26);
	int fd = open("/tmp/cdir/data", O_CREAT | O_WRONLY | O_TRUNC, 0640);
	CHECK(fd >= 0, "open for writing: %s", strerror(errno));
	for (int off = 0; off < size; off += 10000)
		CHECK(write(fd, buf + off, 10000) == 10000, "write at %d", off);
	CHECK(fsync(fd) == 0, "fsync: %s", strerror(errno));
	CHECK(close(fd) == 0, "close");

	struct stat st;
	CHECK(stat("/tmp/cdir/data", &st) == 0, "stat: %s", strerror(errno));
	CHECK(st.st_size == size && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0640,
	      "stat: size %lld mode %o", (long long)st.st_size, (unsigned)st.st_mode);

	FILE *f = fopen("/tmp/cdir/data", "r");
	CHECK(f != NULL, "fopen: %s", strerror(errno));
	CHECK(fread(back, 1, size, f) == size, "fread");
	CHECK(memcmp(buf, back, size) == 0, "the contents read back differ");
	CHECK(fseek(f, 123456, SEEK_SET) == 0 && fgetc(f) == buf[123456], "fseek");
	fclose(f);

	f = fopen("/tmp/cdir/notes.txt", "w");
	fprintf(f, "line %d\nline %d\n", 1, 2);
	fclose(f);
	CHECK(rename("/tmp/cdir/notes.txt", "/tmp/cdir/renamed.txt") == 0, "rename: %s", strerror(errno));
	char line[64] = {0};
	f = fopen("/tmp/cdir/renamed.txt", "r");
	CHECK(f && fgets(line, sizeof line, f) && strcmp(line, "line 1\n") == 0, "the renamed file: %s", line);
	if (f)
		fclose(f);

	int entries = 0;
	DIR *d = opendir("/tmp/cdir");
	CHECK(d != NULL, "opendir: %s", strerror(errno));
	for (struct dirent *e; d && (e = readdir(d));)
		if (strcmp(e->d_name, "data") == 0 || strcmp(e->d_name, "renamed.txt") == 0)
			entries++;
	if (d)
		closedir(d);
	CHECK(entries == 2, "readdir found %d of the 2 files", entries);

	CHECK(unlink("/tmp/cdir/data") == 0 && unlink("/tmp/cdir/renamed.txt") == 0, "unlink");
	CHECK(stat("/tmp/cdir/data", &st) == -1 && errno == ENOENT, "stat after unlink");
	CHECK(rmdir("/tmp/cdir") == 0, "rmdir: %s", strerror(errno));
	printf("files: wrote, read back and stat'ed %d bytes; renamed, listed, removed\n", size);
	return failed;
}

static int sleeps(void) {
	printf("realtime_ns=%lld\n", nsec(CLOCK_REALTIME));
	printf("sleep start\n");
	long long start = nsec(CLOCK_MONOTONIC), shortest = -1;
	for (int i = 0; i < 10; i++) {
		long long t0 = nsec(CLOCK_MONOTONIC);
		struct timespec ts = {0, 50 * 1000 * 1000};
		CHECK(nanosleep(&ts, NULL) == 0, "nanosleep: %s", strerror(errno));
		long long d = nsec(CLOCK_MONOTONIC) - t0;
		if (shortest < 0 || d < shortest)
			shortest = d;
	}
	long long total = nsec(CLOCK_MONOTONIC) - start;
	printf("slept_ns=%lld shortest_ns=%lld\n", total, shortest);
	CHECK(shortest >= 50000000, "a 50 ms nanosleep took %lld ns", shortest);
	return failed;
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "";
	if (strcmp(what, "hello") == 0)
		return hello(argc, argv);
	if (strcmp(what, "threads") == 0)
		return threads();
	if (strcmp(what, "malloc") == 0)
		return mallocs();
	if (strcmp(what, "files") == 0)
		return files();
	if (strcmp(what, "sleep") == 0)
		return sleeps();
	fprintf(stderr, "usage: checks hello|threads|malloc|files|sleep\n");
	return 2;
}
