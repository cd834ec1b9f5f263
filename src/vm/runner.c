/*
 * runner.c - `unevict conform --kernel VERSION|PATH FILE...`: the host side.
 *
 * The scenarios are grouped by the machine they ask for (cpus, nodes,
 * mem, swap); each group is one boot of the kernel under qemu (KVM when
 * /dev/kvm is usable, TCG otherwise), the machine being the scenario's.
 * The initramfs holds the guest's /init (guest_init.c), static builds of
 * unevict and its task helper, the kernel's modules the scenarios may need
 * (zram for swap, virtio for the disk; decompressed here), and the
 * scenario files; a virtio disk formatted ext4 here is the guest's /tmp
 * (fs=disk files).  The guest's console comes back on qemu's stdout; its
 * /init marks its own lines (vm.h), and the exit status of the conform run
 * inside is its "exit" line.  A guest whose kernel oopses or panics, or
 * that never says "exit", is booted once more; twice is reported.
 */
#include "vm.h"


#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VM_STATUS_BAD 2
#define KVM_GET_API_VERSION_NR 0xAE00
#define KVM_CREATE_VM_NR 0xAE01

/* ---- the console protocol ---- */

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

void vm_parse_line(char *line, struct vm_line *out)
{
	size_t n = strlen(line);
	const char *oops[] = {"Kernel panic - not syncing", "Oops:", "BUG: ",
			      "general protection fault"};
	const char *p;
	size_t i;

	if (n && line[n - 1] == '\r')
		line[--n] = '\0';
	memset(out, 0, sizeof(*out));
	out->kind = VM_LINE_OUTPUT;
	out->value = line;
	if (starts(line, VM_MARK)) {
		p = line + strlen(VM_MARK);
		if (starts(p, "release ")) {
			out->kind = VM_LINE_RELEASE;
			out->value = p + 8;
		} else if (starts(p, "knob ")) {
			out->kind = VM_LINE_KNOB;
			out->value = p + 5;
		} else if (starts(p, "exit ") && isdigit((unsigned char)p[5])) {
			out->kind = VM_LINE_EXIT;
			out->status = atoi(p + 5);
		} else {
			out->kind = VM_LINE_NOTE;
			out->value = starts(p, "note ") ? p + 5 : p;
		}
		return;
	}
	for (i = 0; i < sizeof(oops) / sizeof(oops[0]); i++)
		if (strstr(line, oops[i])) {
			out->kind = VM_LINE_OOPS;
			return;
		}
	if (sscanf(line, "conformance: %u of %u", &out->agree, &out->total) == 2)
		out->kind = VM_LINE_CONFORMANCE;
}

/* ---- the machine ---- */

void vm_shape_of(const struct scenario *s, struct vm_shape *shape)
{
	size_t i;

	shape->cpus = 1;
	shape->nodes = 1;
	shape->mem_bytes = 1ull << 30;
	shape->swap_bytes = 0;
	for (i = 0; i < s->nr_statements; i++)
		if (s->statements[i].kind == SCENARIO_MACHINE) {
			const struct scenario_machine *m = &s->statements[i].machine;

			shape->cpus = m->cpus ? m->cpus : 1;
			shape->nodes = m->nodes ? m->nodes : 1;
			shape->mem_bytes = m->mem_bytes ? m->mem_bytes : shape->mem_bytes;
			shape->swap_bytes = m->swap_bytes;
		}
}

bool vm_shape_equal(const struct vm_shape *a, const struct vm_shape *b)
{
	return a->cpus == b->cpus && a->nodes == b->nodes && a->mem_bytes == b->mem_bytes &&
	       a->swap_bytes == b->swap_bytes;
}

/* A string of buf, appended to argv: NULL when buf is full. */
static char *arg(char **buf, size_t *left, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static char *arg(char **buf, size_t *left, const char *fmt, ...)
{
	va_list ap;
	char *s = *buf;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, *left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= *left)
		return NULL;
	*buf += n + 1;
	*left -= (size_t)n + 1;
	return s;
}

int vm_shape_qemu_args(const struct vm_shape *shape, char **argv, int *argc, char *buf,
		       size_t len)
{
	uint64_t mib = shape->mem_bytes >> 20;
	unsigned int node, per = shape->cpus / shape->nodes, extra = shape->cpus % shape->nodes;
	unsigned int first = 0;
	int n = *argc;

	/* a Debian kernel and our initramfs need about 200M to boot at all */
	if (mib < VM_MIN_MEM_MIB)
		mib = VM_MIN_MEM_MIB;
	if (4 + 4 * shape->nodes > VM_SHAPE_MAX_ARGS)
		return -ENOSPC;
	argv[n++] = "-smp";
	if (!(argv[n++] = arg(&buf, &len, "%u", shape->cpus)))
		return -ENOSPC;
	argv[n++] = "-m";
	if (!(argv[n++] = arg(&buf, &len, "%lluM", (unsigned long long)(mib * shape->nodes))))
		return -ENOSPC;
	if (shape->nodes > 1) {
		/* mem= is per node: one memory backend each; the CPUs split
		 * as evenly as they go, the first nodes taking the rest */
		for (node = 0; node < shape->nodes; node++) {
			unsigned int cpus = per + (node < extra);

			argv[n++] = "-object";
			if (!(argv[n++] = arg(&buf, &len, "memory-backend-ram,id=m%u,size=%lluM", node,
					      (unsigned long long)mib)))
				return -ENOSPC;
			argv[n++] = "-numa";
			if (cpus)
				argv[n] = arg(&buf, &len, "node,nodeid=%u,memdev=m%u,cpus=%u-%u", node,
					      node, first, first + cpus - 1);
			else
				argv[n] = arg(&buf, &len, "node,nodeid=%u,memdev=m%u", node, node);
			if (!argv[n++])
				return -ENOSPC;
			first += cpus;
		}
	}
	*argc = n;
	return 0;
}

/* ---- the initramfs ---- */

/* The whole of a file, or of a command's output: 0 with *data (free it). */
static int slurp_fd(int fd, char **data, size_t *size)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	while ((r = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			char *more = realloc(buf, cap *= 2);

			if (!more) {
				free(buf);
				return -ENOMEM;
			}
			buf = more;
		}
	}
	if (r < 0) {
		free(buf);
		return -errno;
	}
	*data = buf;
	*size = n;
	return 0;
}

static int slurp(const char *path, char **data, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = slurp_fd(fd, data, size);
	close(fd);
	return ret;
}

/* A module, decompressed when its name says .xz or .zst (xz, zstd). */
static int read_module(const char *path, char **data, size_t *size)
{
	const char *tool = NULL;
	int fds[2], status, ret;
	pid_t pid;

	if (strstr(path, ".ko.xz"))
		tool = "xz";
	else if (strstr(path, ".ko.zst"))
		tool = "zstd";
	if (!tool)
		return slurp(path, data, size);
	if (pipe(fds))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execlp(tool, tool, "-dc", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	ret = slurp_fd(fds[0], data, size);
	close(fds[0]);
	waitpid(pid, &status, 0);
	if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		free(*data);
		return -EIO;
	}
	return ret;
}

/*
 * The modules a scenario may need: the virtio disk (fs=disk files), zram
 * and its compressors (swap; zram asks the crypto API for its default
 * compressor by name, and the guest has no modprobe to load it then),
 * ext4 where it is not built in.  Each comes with what its "depends="
 * (.modinfo) names, found by name anywhere in the package's tree.
 */
static const char *const vm_module_roots[] = {
	"virtio_pci", "virtio_blk", "ext4", "crc32c_generic", "zram", "lzo_rle", "lzo", "lz4",
};

struct module_index {
	char (*name)[64];	/* "-" as "_", no .ko */
	char (*path)[PATH_MAX];
	bool *wanted;
	size_t nr, cap;
};

static void module_name(const char *file, char *name, size_t len)
{
	size_t i;

	snprintf(name, len, "%s", file);
	name[strcspn(name, ".")] = '\0';
	for (i = 0; name[i]; i++)
		if (name[i] == '-')
			name[i] = '_';
}

static int index_modules(struct module_index *ix, const char *dir, int depth)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d)
		return 0;	/* no modules there: a kernel that needs none */
	while (!ret && (e = readdir(d))) {
		char path[PATH_MAX];

		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		if (e->d_type == DT_DIR && depth < 8) {
			ret = index_modules(ix, path, depth + 1);
			continue;
		}
		if (!strstr(e->d_name, ".ko"))
			continue;
		if (ix->nr == ix->cap) {
			size_t cap = ix->cap ? 2 * ix->cap : 256;
			void *n = realloc(ix->name, cap * sizeof(*ix->name));

			if (n)
				ix->name = n;
			n = n ? realloc(ix->path, cap * sizeof(*ix->path)) : NULL;
			if (n)
				ix->path = n;
			n = n ? realloc(ix->wanted, cap * sizeof(*ix->wanted)) : NULL;
			if (!n) {
				ret = -ENOMEM;
				break;
			}
			ix->wanted = n;
			ix->cap = cap;
		}
		module_name(e->d_name, ix->name[ix->nr], sizeof(ix->name[0]));
		snprintf(ix->path[ix->nr], sizeof(ix->path[0]), "%s", path);
		ix->wanted[ix->nr++] = false;
	}
	closedir(d);
	return ret;
}

static ssize_t module_find(const struct module_index *ix, const char *name)
{
	char want[64];
	size_t i;

	module_name(name, want, sizeof(want));
	for (i = 0; i < ix->nr; i++)
		if (!strcmp(ix->name[i], want))
			return (ssize_t)i;
	return -1;
}

/* The "depends=" of a module's .modinfo: "" when it has none. */
void vm_module_depends(const char *data, size_t size, char *deps, size_t len)
{
	static const char key[] = "depends=";
	const char *p = data, *end = data + size;

	deps[0] = '\0';
	while (p < end && (p = memmem(p, (size_t)(end - p), key, sizeof(key) - 1))) {
		/* a .modinfo string starts after a NUL */
		if (p == data || p[-1] == '\0') {
			size_t n = strnlen(p + sizeof(key) - 1, (size_t)(end - p) - (sizeof(key) - 1));

			snprintf(deps, len, "%.*s", (int)n, p + sizeof(key) - 1);
			return;
		}
		p++;
	}
}

static int add_module(struct vm_cpio *c, struct module_index *ix, size_t i, char *err,
		      size_t errlen)
{
	char name[256], deps[1024], *data, *tok, *save;
	size_t size;
	int ret;

	if (ix->wanted[i])
		return 0;
	ix->wanted[i] = true;
	ret = read_module(ix->path[i], &data, &size);
	if (ret) {
		vm_errorf(err, errlen, "cannot read the module %s: %s", ix->path[i], strerror(-ret));
		return ret;
	}
	vm_module_depends(data, size, deps, sizeof(deps));
	snprintf(name, sizeof(name), "lib/modules/%s.ko", ix->name[i]);
	ret = vm_cpio_add_file(c, name, S_IFREG | 0644, data, size);
	free(data);
	for (tok = strtok_r(deps, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save)) {
		ssize_t j = module_find(ix, tok);

		if (j >= 0)
			ret = add_module(c, ix, (size_t)j, err, errlen);
	}
	return ret;
}

static int add_modules(struct vm_cpio *c, const struct vm_kernel *k, char *err, size_t errlen)
{
	struct module_index ix = {0};
	char dir[PATH_MAX];
	size_t i;
	int ret;

	if (!k->modules[0])
		return 0;
	if (snprintf(dir, sizeof(dir), "%s/kernel", k->modules) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	ret = index_modules(&ix, dir, 0);
	for (i = 0; !ret && i < sizeof(vm_module_roots) / sizeof(vm_module_roots[0]); i++) {
		ssize_t j = module_find(&ix, vm_module_roots[i]);

		if (j >= 0)
			ret = add_module(c, &ix, (size_t)j, err, errlen);
	}
	free(ix.name);
	free(ix.path);
	free(ix.wanted);
	return ret;
}

struct vm_group {
	struct vm_shape shape;
	char **files;		/* the host's names */
	char **guest;		/* the names inside: relative to /w */
	unsigned int nr;
};

static int add_host_file(struct vm_cpio *c, const char *name, const char *path,
			 unsigned int mode, char *err, size_t errlen)
{
	char *data;
	size_t size;
	int ret = slurp(path, &data, &size);

	if (ret) {
		vm_errorf(err, errlen, "cannot read %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = vm_cpio_add_file(c, name, mode, data, size);
	free(data);
	return ret;
}

static int build_initramfs(const char *path, const char *bindir, const struct vm_kernel *k,
			   const struct vm_group *g, char *const *conform_args, int nr_args,
			   char *err, size_t errlen)
{
	static const struct {
		const char *host, *guest;
	} bins[] = {
		{"unevict-vminit", "init"},
		{"unevict-static", "bin/unevict"},
		{"unevict-task", "bin/unevict-task"},
	};
	struct vm_cpio c;
	char src[PATH_MAX + 64], *args = NULL, swap[32];
	size_t alen = 0, i;
	FILE *f = fopen(path, "w"), *a;
	int ret = 0;

	if (!f) {
		vm_errorf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -errno;
	}
	vm_cpio_init(&c, f);
	vm_cpio_add(&c, "dev", S_IFDIR | 0755, 0, 0, NULL, 0);
	vm_cpio_add(&c, "dev/console", S_IFCHR | 0600, 5, 1, NULL, 0);
	for (i = 0; i < 4; i++)
		vm_cpio_add(&c, (const char *[]){"proc", "sys", "tmp", "w"}[i], S_IFDIR | 0755, 0,
			    0, NULL, 0);
	for (i = 0; i < sizeof(bins) / sizeof(bins[0]) && !ret; i++) {
		snprintf(src, sizeof(src), "%s/%s", bindir, bins[i].host);
		ret = add_host_file(&c, bins[i].guest, src, S_IFREG | 0755, err, errlen);
	}
	if (!ret)
		ret = add_modules(&c, k, err, errlen);
	a = open_memstream(&args, &alen);
	if (!a)
		ret = -ENOMEM;
	if (!ret) {
		fprintf(a, "conform\n");
		for (i = 0; i < (size_t)nr_args; i++)
			fprintf(a, "%s\n", conform_args[i]);
		fprintf(a, "--\n");
		for (i = 0; i < g->nr && !ret; i++) {
			char name[PATH_MAX + 8];

			fprintf(a, "%s\n", g->guest[i]);
			snprintf(name, sizeof(name), "w/%s", g->guest[i]);
			ret = add_host_file(&c, name, g->files[i], S_IFREG | 0644, err, errlen);
		}
	}
	if (a && fclose(a))
		ret = -ENOMEM;
	if (!ret)
		ret = vm_cpio_add_file(&c, "args", S_IFREG | 0644, args, alen);
	snprintf(swap, sizeof(swap), "%llu", (unsigned long long)g->shape.swap_bytes);
	if (!ret)
		ret = vm_cpio_add_file(&c, "swap", S_IFREG | 0644, swap, strlen(swap));
	if (!ret)
		ret = vm_cpio_finish(&c);
	free(args);
	if (fclose(f) && !ret)
		ret = -EIO;
	if (ret && !*err)
		vm_errorf(err, errlen, "cannot build the initramfs %s: %s", path, strerror(-ret));
	return ret;
}

/* An empty ext4 file system for the guest's /tmp (fs=disk files). */
static int make_disk(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), status;
	pid_t pid;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, 256 << 20)) {
		close(fd);
		return -errno;
	}
	close(fd);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execlp("mkfs.ext4", "mkfs.ext4", "-q", "-F", path, (char *)NULL);
		execl("/sbin/mkfs.ext4", "mkfs.ext4", "-q", "-F", path, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

/* ---- one boot ---- */

/*
 * KVM that runs an ordinary kernel: /dev/kvm that makes a VM, on a CPU
 * with hardware virtualisation (vmx, svm).  A /dev/kvm without them (a
 * paravirtual one, as on the machines of this project) runs only guests
 * built for it: a Debian kernel dies there in "emulation failure".
 */
static bool kvm_usable(void)
{
	char line[4096];
	bool hw = false;
	FILE *f = fopen("/proc/cpuinfo", "r");
	int fd, vm;

	while (f && !hw && fgets(line, sizeof(line), f))
		hw = !strncmp(line, "flags", 5) && (strstr(line, " vmx") || strstr(line, " svm"));
	if (f)
		fclose(f);
	if (!hw)
		return false;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	vm = ioctl(fd, KVM_GET_API_VERSION_NR, 0) == 12 ? ioctl(fd, KVM_CREATE_VM_NR, 0) : -1;
	if (vm >= 0)
		close(vm);
	close(fd);
	return vm >= 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct boot_result {
	bool exited, oops;
	int status;
	unsigned int agree, total;
	char release[128];
	char oops_line[256];
	double boot_s, run_s, total_s;	/* to /init's first line; conform; all */
};

static int boot(const struct vm_kernel *k, const char *initrd, const char *disk,
		const struct vm_shape *shape, bool kvm, unsigned int timeout_s,
		struct boot_result *r, char *err, size_t errlen)
{
	char *argv[64], buf[2048], shapebuf[1024], line[4096], append[1024];
	double start = now_s(), first = 0;
	size_t used = 0;
	int n = 0, fds[2], status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	argv[n++] = "qemu-system-x86_64";
	argv[n++] = "-nodefaults";
	argv[n++] = "-no-user-config";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-no-reboot";
	argv[n++] = "-accel";
	argv[n++] = kvm ? "kvm" : "tcg";
	if (kvm) {
		argv[n++] = "-cpu";
		argv[n++] = "host";
	}
	if (vm_shape_qemu_args(shape, argv, &n, shapebuf, sizeof(shapebuf))) {
		vm_errorf(err, errlen, "the machine of %u nodes is too large for the VM", shape->nodes);
		return -ENOSPC;
	}
	argv[n++] = "-kernel";
	argv[n++] = (char *)k->image;
	argv[n++] = "-initrd";
	argv[n++] = (char *)initrd;
	argv[n++] = "-append";
	/*
	 * The console carries conform's output too: only the kernel's
	 * emergencies and alerts go there (a memcg OOM kill's report, an
	 * error, once cut a result line in two), and an oops panics, so that
	 * "Kernel panic" shows every one.  rootfstype=ramfs: the initramfs
	 * is unpacked into ramfs, not tmpfs (init_rootfs), so our binaries and
	 * files are unevictable, never on the anon lists a reclaim with swap
	 * scans (only the scenario's pages are).  UNEVICT_VM_APPEND: more of the
	 * command line (loglevel=7 to see the whole log).
	 */
	snprintf(append, sizeof(append),
		 "console=ttyS0 loglevel=2 oops=panic printk.time=1 panic=-1 rdinit=/init mitigations=off "
		 "tsc=reliable rootfstype=ramfs %s",
		 getenv("UNEVICT_VM_APPEND") ? getenv("UNEVICT_VM_APPEND") : "");
	argv[n++] = append;
	argv[n++] = "-serial";
	argv[n++] = "stdio";
	argv[n++] = "-drive";
	if (snprintf(buf, sizeof(buf), "file=%s,if=virtio,format=raw,cache=unsafe", disk) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	argv[n++] = buf;
	argv[n] = NULL;
	if (pipe(fds))
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		setpgid(0, 0);
		/* conform killed (a ctest timeout, ^C) takes its VM with it:
		 * an orphaned TCG guest would hold a CPU to its own timeout */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execvp(argv[0], argv);
		fprintf(stderr, VM_MARK "note cannot run qemu-system-x86_64: %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		double left = timeout_s - (now_s() - start);
		ssize_t got;
		char *nl;

		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0) {
			if (now_s() - start < timeout_s)
				continue;
			snprintf(r->oops_line, sizeof(r->oops_line),
				 "no answer from the guest in %u s", timeout_s);
			kill(pid, SIGKILL);
			break;
		}
		got = read(fds[0], line + used, sizeof(line) - 1 - used);
		if (got <= 0)
			break;
		used += (size_t)got;
		line[used] = '\0';
		/* whole lines; a line longer than the buffer is cut */
		while ((nl = memchr(line, '\n', used)) || used == sizeof(line) - 1) {
			struct vm_line l;
			size_t len = nl ? (size_t)(nl - line) + 1 : used;
			char one[sizeof(line)];

			memcpy(one, line, len);
			one[nl ? len - 1 : len] = '\0';
			memmove(line, line + len, used - len);
			used -= len;
			vm_parse_line(one, &l);
			switch (l.kind) {
			case VM_LINE_RELEASE:
				first = now_s();
				r->boot_s = first - start;
				snprintf(r->release, sizeof(r->release), "%s", l.value);
				break;
			case VM_LINE_KNOB:
				printf("vm: knob %s\n", l.value);
				break;
			case VM_LINE_NOTE:
				printf("vm: %s\n", l.value);
				break;
			case VM_LINE_EXIT:
				r->exited = true;
				r->status = l.status;
				r->run_s = now_s() - first;
				break;
			case VM_LINE_OOPS:
				if (!r->oops)
					snprintf(r->oops_line, sizeof(r->oops_line), "%s", l.value);
				r->oops = true;
				printf("vm: guest kernel: %s\n", l.value);
				break;
			case VM_LINE_CONFORMANCE:
				r->agree = l.agree;
				r->total = l.total;
				break;
			case VM_LINE_OUTPUT:
				/* the kernel's log: "[    1.234567] ..." */
				if (l.value[0] == '[' && strchr(l.value, ']'))
					printf("vm: guest kernel: %s\n", l.value);
				else
					printf("%s\n", l.value);
				break;
			}
		}
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	r->total_s = now_s() - start;
	fflush(stdout);
	return 0;
}

/* ---- the run ---- */

/* The directory of our own executable, where the static builds are. */
static int bin_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

/* The name a file has inside the guest, relative to /w. */
static char *guest_name(const char *file)
{
	char real[PATH_MAX];

	if (file[0] != '/' && !strstr(file, ".."))
		return strdup(file);
	if (!realpath(file, real))
		return NULL;
	return strdup(real + 1);
}

static void free_groups(struct vm_group *g, unsigned int nr)
{
	unsigned int i, j;

	for (i = 0; i < nr; i++) {
		for (j = 0; j < g[i].nr; j++)
			free(g[i].guest[j]);
		free(g[i].files);
		free(g[i].guest);
	}
	free(g);
}

/* Group the files by machine: 0, or VM_STATUS_BAD for a file that does not parse. */
static int group_files(char **files, int nr_files, struct vm_group **out, unsigned int *nr)
{
	struct vm_group *g = calloc((size_t)nr_files + 1, sizeof(*g));
	char err[1024];
	int i, status = 0;

	*nr = 0;
	if (!g)
		return VM_STATUS_BAD;
	for (i = 0; i < nr_files; i++) {
		struct scenario *s = NULL;
		struct vm_shape shape;
		unsigned int j;
		char *name;

		if (scenario_parse_file(files[i], &s, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			status = VM_STATUS_BAD;
			continue;
		}
		vm_shape_of(s, &shape);
		scenario_free(s);
		name = guest_name(files[i]);
		if (!name) {
			fprintf(stderr, "%s: %s\n", files[i], strerror(errno));
			status = VM_STATUS_BAD;
			continue;
		}
		for (j = 0; j < *nr && !vm_shape_equal(&g[j].shape, &shape); j++)
			;
		if (j == *nr) {
			g[j].shape = shape;
			g[j].files = calloc((size_t)nr_files, sizeof(char *));
			g[j].guest = calloc((size_t)nr_files, sizeof(char *));
			(*nr)++;
			if (!g[j].files || !g[j].guest) {
				free(name);
				free_groups(g, *nr);
				return VM_STATUS_BAD;
			}
		}
		g[j].files[g[j].nr] = files[i];
		g[j].guest[g[j].nr++] = name;
	}
	*out = g;
	return status;
}

static int worse(int a, int b)
{
	return a > b ? a : b;
}

static int run_group(const struct vm_run_options *o, const struct vm_kernel *k,
		     const char *bindir, const char *tmpdir, const struct vm_group *g, bool kvm,
		     unsigned int *agree, unsigned int *total)
{
	char initrd[PATH_MAX + 32], disk[PATH_MAX + 32], err[1024] = "";
	struct boot_result r;
	unsigned int tries, timeout = 120 + 10 * g->nr;
	int ret;

	snprintf(initrd, sizeof(initrd), "%s/initrd.cpio", tmpdir);
	snprintf(disk, sizeof(disk), "%s/disk.img", tmpdir);
	ret = build_initramfs(initrd, bindir, k, g, o->conform_args, o->nr_conform_args, err,
			      sizeof(err));
	if (ret) {
		fprintf(stderr, "unevict conform: %s\n", err);
		return VM_STATUS_BAD;
	}
	if ((g->shape.mem_bytes >> 20) < VM_MIN_MEM_MIB)
		printf("vm: the machine's mem=%lluM is too small for the kernel to boot: the VM has %uM a node\n",
		       (unsigned long long)(g->shape.mem_bytes >> 20), VM_MIN_MEM_MIB);
	printf("vm: kernel %s: %u scenario%s on cpus=%u nodes=%u mem=%lluM swap=%lluM (%s)\n",
	       k->release, g->nr, g->nr == 1 ? "" : "s", g->shape.cpus, g->shape.nodes,
	       (unsigned long long)(g->shape.mem_bytes >> 20),
	       (unsigned long long)(g->shape.swap_bytes >> 20), kvm ? "KVM" : "TCG");
	for (tries = 1; tries <= 2; tries++) {
		if (make_disk(disk)) {
			fprintf(stderr, "unevict conform: cannot make the guest's disk with mkfs.ext4 (install e2fsprogs)\n");
			return VM_STATUS_BAD;
		}
		ret = boot(k, initrd, disk, &g->shape, kvm, timeout, &r, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "unevict conform: %s\n", err);
			return VM_STATUS_BAD;
		}
		if (r.exited && !r.oops)
			break;
		printf("vm: boot %u of kernel %s failed: %s\n", tries, k->release,
		       r.oops ? r.oops_line : r.oops_line[0] ? r.oops_line : "the guest stopped before conform's exit status");
	}
	unlink(disk);
	unlink(initrd);
	if (tries > 2) {
		fprintf(stderr, "unevict conform: the guest failed twice on kernel %s (%s): %u scenario%s not run\n",
			k->release,
			r.oops_line[0] ? r.oops_line : "it stopped before conform's exit status",
			g->nr, g->nr == 1 ? "" : "s");
		*total += g->nr;
		return VM_STATUS_BAD;
	}
	printf("vm: kernel %s: boot %.1f s, %u scenario%s in %.1f s (%.2f s each), total %.1f s\n",
	       r.release, r.boot_s, g->nr, g->nr == 1 ? "" : "s", r.run_s,
	       g->nr ? r.run_s / g->nr : 0.0, r.total_s);
	*agree += r.agree;
	*total += r.total ? r.total : g->nr;
	/* A guest that exits without judging every scenario it was given (its
	 * unevict could not start, a result line was lost) must not pass as a
	 * quiet run: say how many went unreported. */
	if (r.total != g->nr) {
		fprintf(stderr, "unevict conform: the guest on kernel %s reported %u of %u scenario%s (exit status %d)\n",
			k->release, r.total, g->nr, g->nr == 1 ? "" : "s", r.status);
		return worse(r.status, VM_STATUS_BAD);
	}
	return r.status;
}

int vm_conform(const struct vm_run_options *o, char **files, int nr_files)
{
	char bindir[PATH_MAX], tmpdir[] = "/tmp/unevict-vm.XXXXXX", err[1024], path[PATH_MAX + 32];
	struct vm_group *groups = NULL;
	unsigned int nr_groups = 0, i, agree = 0, total = 0;
	struct vm_kernel k;
	double start = now_s();
	bool kvm;
	int status;

	if (vm_kernel_resolve(o->cache, o->kernel, &k, err, sizeof(err))) {
		fprintf(stderr, "unevict conform: %s\n", err);
		return VM_STATUS_BAD;
	}
	if (bin_dir(bindir, sizeof(bindir))) {
		fprintf(stderr, "unevict conform: cannot find my own directory\n");
		return VM_STATUS_BAD;
	}
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", bindir, i ? "unevict-static" : "unevict-vminit");
		struct stat st;

		/* An interrupted build leaves an empty file: the guest could not
		 * exec it and would report nothing, so refuse it here. */
		if (stat(path, &st) || !S_ISREG(st.st_mode) || !st.st_size || access(path, X_OK)) {
			fprintf(stderr, "unevict conform: --kernel needs the static builds beside unevict: %s is %s (rebuild)\n",
				path, access(path, F_OK) ? "missing" : "empty or not executable");
			return VM_STATUS_BAD;
		}
	}
	status = group_files(files, nr_files, &groups, &nr_groups);
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "unevict conform: cannot create %s: %s\n", tmpdir, strerror(errno));
		free_groups(groups, nr_groups);
		return VM_STATUS_BAD;
	}
	kvm = kvm_usable();
	for (i = 0; i < nr_groups; i++)
		status = worse(status, run_group(o, &k, bindir, tmpdir, &groups[i], kvm, &agree,
						 &total));
	rmdir(tmpdir);
	free_groups(groups, nr_groups);
	printf("vm: kernel %s: %u boot%s, %.1f s in all\n", k.release, nr_groups,
	       nr_groups == 1 ? "" : "s", now_s() - start);
	printf("conformance: %u of %u scenarios agree exactly (kernel %s)\n", agree,
	       (unsigned int)nr_files, k.release);
	return status;
}

int vm_conform_main(int argc, char **argv)
{
	struct vm_run_options o = {0};
	char cache[PATH_MAX] = "", **files, **args;
	int i, nr_files = 0, status;
	bool done = false;

	files = calloc((size_t)argc + 1, sizeof(*files));
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!files || !args) {
		free(files);
		free(args);
		return VM_STATUS_BAD;
	}
	o.conform_args = args;
	vm_cache_dir(cache, sizeof(cache));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (done || a[0] != '-' || !a[1])
			files[nr_files++] = argv[i];
		else if (!strcmp(a, "--"))
			done = true;
		else if (!strcmp(a, "--kernel") && i + 1 < argc)
			o.kernel = argv[++i];
		else if (!strcmp(a, "--cache") && i + 1 < argc)
			snprintf(cache, sizeof(cache), "%s", argv[++i]);
		else if ((!strcmp(a, "--runs") || !strcmp(a, "--window-ms")) && i + 1 < argc) {
			args[o.nr_conform_args++] = argv[i++];
			args[o.nr_conform_args++] = argv[i];
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o.quiet = true;
			args[o.nr_conform_args++] = argv[i];
		} else {
			fprintf(stderr, "unevict conform: unknown option '%s'\n", a);
			free(files);
			free(args);
			return VM_STATUS_BAD;
		}
	}
	o.cache = cache;
	if (!nr_files || !o.kernel) {
		fprintf(stderr, "unevict conform: --kernel VERSION|PATH FILE...\n");
		status = VM_STATUS_BAD;
	} else {
		status = vm_conform(&o, files, nr_files);
	}
	free(files);
	free(args);
	return status;
}
