// SPDX-License-Identifier: GPL-2.0
/*
 * nsexec NS CMD [ARG...]: run CMD in the named network namespace NS, as
 * `ip netns exec NS CMD` does: join the namespace bound at /run/netns/NS,
 * enter a private mount namespace and mount a sysfs there that shows the
 * namespace's devices, then exec CMD (found on PATH).
 *
 * The test guests pay for every shared library a program maps (the debug
 * kernel records a stack trace for each allocation of the mapping), and
 * ip(8) maps six; this tool is linked statically, so the selftests' in_ns
 * costs one cheap exec plus the command instead of two dear ones.  The
 * /etc/netns/NS files that ip(8) would bind-mount are not supported: the
 * selftests create none (nsexec refuses to run when they exist).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int die(const char *what, const char *arg)
{
	fprintf(stderr, "nsexec: %s %s: %s\n", what, arg, strerror(errno));
	return 255;
}

int main(int argc, char **argv)
{
	char path[256];
	struct stat st;
	int fd;		/* the namespace, then the exec's errno */

	if (argc < 3) {
		fprintf(stderr, "usage: nsexec NS CMD [ARG...]\n");
		return 255;
	}
	if (strchr(argv[1], '/') || snprintf(path, sizeof(path), "/etc/netns/%s",
					     argv[1]) >= (int)sizeof(path)) {
		fprintf(stderr, "nsexec: bad namespace name '%s'\n", argv[1]);
		return 255;
	}
	if (stat(path, &st) == 0) {
		fprintf(stderr, "nsexec: %s exists: use ip netns exec\n", path);
		return 255;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", argv[1]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return die("cannot open", path);
	if (setns(fd, CLONE_NEWNET))
		return die("cannot join", path);
	close(fd);
	if (unshare(CLONE_NEWNS))
		return die("cannot unshare", "the mount namespace");
	/* changes below stay in this mount namespace */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL))
		return die("cannot make / a slave", "mount");
	if (umount2("/sys", MNT_DETACH) && errno != EINVAL)
		return die("cannot unmount", "/sys");
	if (mount(argv[1], "/sys", "sysfs", 0, NULL))
		return die("cannot mount sysfs on", "/sys");
	execvp(argv[2], argv + 2);
	/* as a shell would: 127 for a command not found, else 126 */
	fd = errno;
	die("cannot run", argv[2]);
	return fd == ENOENT ? 127 : 126;
}
