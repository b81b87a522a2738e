// volume: writes (argv[1] == "write") or reads back a file on the volume
// mounted at /data, for e2e TestExecVolume.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
	const char *msg = "kept on the volume\n";
	if (argc > 1 && strcmp(argv[1], "write") == 0) {
		int fd = open("/data/note.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (fd < 0 || write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg) || fsync(fd) < 0) {
			perror("write /data/note.txt");
			return 1;
		}
		close(fd);
		printf("wrote\n");
		return 0;
	}
	char buf[64] = {0};
	int fd = open("/data/note.txt", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof buf - 1) < 0) {
		perror("read /data/note.txt");
		return 1;
	}
	printf("read: %s", buf);
	return 0;
}
