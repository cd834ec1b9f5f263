/*
 * guest_init.c - /init of the guest that `unevict conform --kernel` boots
 * (runner.c builds its initramfs).  Static, libc only: it is the only
 * program the guest starts on its own.
 *
 * It mounts /proc, /sys, /dev and the cgroup v1 memory controller (where
 * the kernel still has it; else cgroup2, with the memory controller on in
 * the root's subtree_control), loads the modules the initramfs carries
 * (the .ko files of /lib/modules, in rounds until none more loads: their order is
 * their dependencies'), mounts the virtio disk on /tmp (the disk file
 * system of fs=disk files), sets the knobs for determinism (MGLRU off,
 * THP as the model's default: madvise), makes the zram swap the shape
 * asks for (/swap: its size in bytes), prints the release and the knobs,
 * runs `/bin/unevict ARGS` (one argument a line of /args) in /w, prints
 * its exit status, and powers the machine off.  Its own lines start with
 * VM_MARK (vm.h); everything else on the console is conform's, or the
 * kernel's log.
 */
#include "vm.h"
#include "native.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 4096

static void note(const char *fmt, const char *a, int err)
{
	printf(VM_MARK "note ");
	printf(fmt, a);
	printf(": %s\n", strerror(err));
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f && fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

/* Set a knob if the kernel has it, and print what it reads afterwards. */
static void knob(const char *name, const char *path, const char *value)
{
	char now[256];
	int ret;

	if (access(path, F_OK)) {
		printf(VM_MARK "knob %s absent\n", name);
		return;
	}
	if (value) {
		ret = write_text(path, value);
		if (ret)
			note("cannot set %s", path, -ret);
	}
	read_line(path, now, sizeof(now));
	printf(VM_MARK "knob %s %s\n", name, now);
}

/* Every module of /lib/modules, in rounds until a round loads none. */
static void load_modules(void)
{
	char names[64][300];
	bool loaded[64] = {0};
	int n = 0, i, progress = 1, errs[64] = {0};
	struct dirent *e;
	DIR *d = opendir("/lib/modules");

	while (d && (e = readdir(d)) && n < 64)
		if (strstr(e->d_name, ".ko"))
			snprintf(names[n++], sizeof(names[0]), "/lib/modules/%s", e->d_name);
	if (d)
		closedir(d);
	while (progress) {
		progress = 0;
		for (i = 0; i < n; i++) {
			int fd;

			if (loaded[i])
				continue;
			fd = open(names[i], O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (!syscall(SYS_finit_module, fd, "", 0) || errno == EEXIST) {
				loaded[i] = true;
				progress = 1;
			}
			else
				errs[i] = errno;
			close(fd);
		}
	}
	for (i = 0; i < n; i++)
		if (!loaded[i])
			note("module %s not loaded", names[i], errs[i]);
}

/*
 * No v1 memory controller (6.12+ Debian builds it without
 * CONFIG_MEMCG_V1): cgroup2 at /sys/fs/cgroup, with +memory in the root's
 * subtree_control, so the live side's own directory and memcgs below it
 * have the controller.  conform never writes the root's subtree_control
 * itself (on a host that is the machine's), so /init does it here.
 */
static void mount_cgroup_v2(void)
{
	char controllers[256];
	int ret;

	if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, "")) {
		note("cannot mount %s", "cgroup2", errno);
		printf(VM_MARK "knob memcg none\n");
		return;
	}
	ret = write_text("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	if (ret)
		note("cannot write %s", "+memory to /sys/fs/cgroup/cgroup.subtree_control", -ret);
	read_line("/sys/fs/cgroup/cgroup.subtree_control", controllers, sizeof(controllers));
	printf(VM_MARK "knob memcg cgroup-v2 (/sys/fs/cgroup, subtree_control: %s)\n",
	       controllers);
}

static void mount_cgroup_v1(void)
{
	if (mount("cgroup", "/sys/fs/cgroup", "tmpfs", 0, "mode=755")) {
		note("cannot mount %s", "/sys/fs/cgroup", errno);
		return;
	}
	mkdir("/sys/fs/cgroup/memory", 0755);
	if (mount("cgroup", "/sys/fs/cgroup/memory", "cgroup", 0, "memory")) {
		rmdir("/sys/fs/cgroup/memory");
		umount("/sys/fs/cgroup");
		mount_cgroup_v2();
		return;
	}
	printf(VM_MARK "knob memcg cgroup-v1 (/sys/fs/cgroup/memory)\n");
	/* before 5.16 the root's use_hierarchy is 0 (a flat hierarchy) unless
	 * set, as systemd does on the machines the corpus ran on */
	knob("memory.use_hierarchy", "/sys/fs/cgroup/memory/memory.use_hierarchy", "1");
}

static void zram_swap(void)
{
	char size[64];

	read_line("/swap", size, sizeof(size));
	if (!size[0] || !strcmp(size, "0"))
		return;
	if (write_text("/sys/block/zram0/disksize", size)) {
		note("cannot size %s", "/dev/zram0", errno);
		return;
	}
	/* mkswap: the header swapon reads (the first page, "SWAPSPACE2") */
	{
		static char page[4096];
		unsigned long long bytes = strtoull(size, NULL, 10);
		unsigned int last = (unsigned int)(bytes / 4096 - 1);
		int fd = open("/dev/zram0", O_WRONLY | O_CLOEXEC);

		memset(page, 0, sizeof(page));
		page[1024] = 1;	/* version 1, little-endian */
		memcpy(page + 1028, &last, sizeof(last));
		memcpy(page + 4096 - 10, "SWAPSPACE2", 10);
		if (fd < 0 || write(fd, page, sizeof(page)) != (ssize_t)sizeof(page)) {
			note("cannot write %s", "/dev/zram0", errno);
			if (fd >= 0)
				close(fd);
			return;
		}
		close(fd);
	}
	if (swapon("/dev/zram0", 0))
		note("cannot swapon %s", "/dev/zram0", errno);
	else
		printf(VM_MARK "knob swap zram0:%s\n", size);
}

static int read_args(char **argv)
{
	static char buf[1 << 20];
	int fd = open("/args", O_RDONLY | O_CLOEXEC), n = 0;
	ssize_t len;
	char *p;

	argv[n++] = "/bin/unevict";
	if (fd < 0)
		return n;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return n;
	buf[len] = '\0';
	for (p = strtok(buf, "\n"); p && n < MAX_ARGS - 1; p = strtok(NULL, "\n"))
		argv[n++] = p;
	argv[n] = NULL;
	return n;
}

int main(void)
{
	static char *argv[MAX_ARGS];
	struct utsname u;
	int status = 0;
	pid_t pid;

	mount("proc", "/proc", "proc", 0, "");
	mount("sysfs", "/sys", "sysfs", 0, "");
	mount("devtmpfs", "/dev", "devtmpfs", 0, "");
	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	printf(VM_MARK "release %s\n", u.release);
	load_modules();
	if (!access("/dev/vda", F_OK) && mount("/dev/vda", "/tmp", "ext4", 0, ""))
		note("cannot mount %s on /tmp", "/dev/vda", errno);
	mount_cgroup_v1();
	knob("lru_gen", "/sys/kernel/mm/lru_gen/enabled", "0");
	knob("thp", "/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
	knob("thp_defrag", "/sys/kernel/mm/transparent_hugepage/defrag", NULL);
	knob("fault_around_bytes", "/sys/kernel/debug/fault_around_bytes", NULL);
	knob("overcommit_memory", "/proc/sys/vm/overcommit_memory", NULL);
	/* no ASLR: every task's address space is laid out the same from run
	 * to run, so are its page tables, part of oom_badness's score (with
	 * it, ties between equal tasks broke differently from run to run:
	 * memcg/oom_limit_0_kills_every_task killed 6, 8 or 10 tasks) */
	knob("randomize_va_space", "/proc/sys/kernel/randomize_va_space", "0");
	/* a reclaim of the whole machine writes the node's reclaim file, whose
	 * __node_reclaim scans only when the node's unmapped page cache or
	 * reclaimable slab is above these ratios of it: 0, so it always does */
	knob("min_unmapped_ratio", "/proc/sys/vm/min_unmapped_ratio", "0");
	knob("min_slab_ratio", "/proc/sys/vm/min_slab_ratio", "0");
	/* swapped pages go to the zram device, not to zswap's pool first
	 * (pswpout counts only what reaches the device) */
	knob("zswap", "/sys/module/zswap/parameters/enabled", "N");
	zram_swap();
	read_args(argv);
	pid = fork();
	if (!pid) {
		if (chdir("/w"))
			_exit(126);
		setenv("UNEVICT_NO_PROGRESS", "1", 1);
		/* the machine is conform's to change (native_machine_is_ours):
		 * sysctl, thp=, swap= and machine-wide reclaim run live here */
		setenv(NATIVE_VM_GUEST_ENV, "1", 1);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		printf(VM_MARK "exit 2\n");
	else
		printf(VM_MARK "exit %d\n",
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	fflush(stdout);
	sync();
	umount2("/tmp", MNT_DETACH);
	reboot(RB_POWER_OFF);
	return 0;
}
