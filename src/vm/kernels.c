/*
 * kernels.c - the cache of kernel images (`unevict kernels fetch|list`).
 *
 * An image is a Debian package, unpacked as dpkg-deb -x leaves it in a
 * directory of the package's name under the cache: up to 6.x the image is
 * boot/vmlinuz-RELEASE of linux-image-RELEASE-unsigned, from 7.x
 * usr/lib/modules/RELEASE/vmlinuz of linux-binary-RELEASE (its modules in
 * linux-modules-RELEASE, unpacked into the same directory); the modules
 * are lib/modules/RELEASE or usr/lib/modules/RELEASE of the same package.
 *
 * Fetching uses apt-get under a private configuration in the cache
 * (.apt/): its own sources list naming the suites that carry the matrix,
 * with the archive's address taken from this machine's own apt sources
 * (never written into the project), its own lists and package cache, and
 * no dpkg status.  The machine's apt configuration is never touched.
 */
#include "vm.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const vm_default_matrix[] = {"5.10", "6.1", "6.12", "6.18", "7"};
const size_t vm_default_matrix_len = sizeof(vm_default_matrix) / sizeof(vm_default_matrix[0]);

/* The suites whose kernels make the matrix: 5.10 .. 7.x. */
void vm_errorf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* Copy SRC into DST of LEN bytes; false (and DST cut) when it does not fit,
 * so that a path or release name is never used truncated. */
static bool fits(char *dst, size_t len, const char *src)
{
	return (size_t)snprintf(dst, len, "%s", src) < len;
}

static const char *const vm_suites[] = {"bullseye", "bookworm", "trixie", "trixie-backports",
					"sid"};

bool vm_version_matches(const char *version, const char *release)
{
	size_t n = strlen(version);

	if (!n || strncmp(version, release, n))
		return false;
	/* "6.1" must not name "6.12": the prefix ends where a number does */
	return !isdigit((unsigned char)release[n]) || !isdigit((unsigned char)version[n - 1]);
}

int vm_release_compare(const char *a, const char *b)
{
	/* strverscmp compares runs of digits as numbers: 6.12 > 6.9 */
	return strverscmp(a, b);
}

int vm_cache_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && *xdg)
		n = snprintf(buf, len, "%s/unevict/kernels", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.cache/unevict/kernels", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

bool vm_package_release(const char *package, char *release, size_t len)
{
	static const struct {
		const char *prefix, *suffix;
	} forms[] = {
		{"linux-image-", "-cloud-amd64-unsigned"},
		{"linux-image-", "-cloud-amd64"},	/* 6.16+: signed only */
		{"linux-binary-", "-cloud-amd64"},
	};
	size_t i, n = strlen(package);

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t p = strlen(forms[i].prefix), s = strlen(forms[i].suffix);
		size_t keep = strlen("-cloud-amd64");

		if (n <= p + s || strncmp(package, forms[i].prefix, p) ||
		    strcmp(package + n - s, forms[i].suffix) || !isdigit((unsigned char)package[p]))
			continue;
		/* the release is the name between, with its flavour */
		if (n - p - s + keep >= len)
			return false;
		snprintf(release, len, "%.*s-cloud-amd64", (int)(n - p - s), package + p);
		return true;
	}
	return false;
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* The image and modules of an unpacked package directory: 0 or -ENOENT. */
static int kernel_in_dir(const char *dir, struct vm_kernel *k)
{
	static const char *const module_dirs[] = {"usr/lib/modules", "lib/modules"};
	char path[PATH_MAX + 300];
	size_t i;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < 2 && !k->image[0]; i++) {
		struct dirent *e;
		DIR *d;

		snprintf(path, sizeof(path), "%s/%s", dir, i == 0 ? "boot" : "usr/lib/modules");
		d = opendir(path);
		while (d && (e = readdir(d))) {
			char img[sizeof(path) + 300];

			if (i == 0 && !strncmp(e->d_name, "vmlinuz-", 8)) {
				snprintf(img, sizeof(img), "%s/%s", path, e->d_name);
				if (!fits(k->release, sizeof(k->release), e->d_name + 8))
					continue;
			} else if (i == 1 && e->d_name[0] != '.') {
				snprintf(img, sizeof(img), "%s/%s/vmlinuz", path, e->d_name);
				if (!fits(k->release, sizeof(k->release), e->d_name))
					continue;
			} else {
				continue;
			}
			if (is_file(img) && fits(k->image, sizeof(k->image), img))
				break;
			k->image[0] = '\0';
		}
		if (d)
			closedir(d);
	}
	if (!k->image[0])
		return -ENOENT;
	for (i = 0; i < 2; i++) {
		char tree[sizeof(path) + 8];

		snprintf(path, sizeof(path), "%s/%s/%s", dir, module_dirs[i], k->release);
		snprintf(tree, sizeof(tree), "%s/kernel", path);
		if (is_dir(tree)) {
			if (fits(k->modules, sizeof(k->modules), path))
				break;
			k->modules[0] = '\0';
		}
	}
	return 0;
}

static int cmp_kernels(const void *a, const void *b)
{
	const struct vm_kernel *ka = a, *kb = b;

	return vm_release_compare(kb->release, ka->release);	/* newest first */
}

int vm_cache_list(const char *cache, struct vm_kernel **out, size_t *nr)
{
	struct vm_kernel *list = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d = opendir(cache);

	*out = NULL;
	*nr = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		char dir[PATH_MAX + 256];
		struct vm_kernel k;

		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", cache, e->d_name);
		if (kernel_in_dir(dir, &k))
			continue;
		if (n == cap) {
			struct vm_kernel *more = realloc(list, (cap = cap ? 2 * cap : 8) * sizeof(*list));

			if (!more) {
				free(list);
				closedir(d);
				return -ENOMEM;
			}
			list = more;
		}
		list[n++] = k;
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof(*list), cmp_kernels);
	*out = list;
	*nr = n;
	return 0;
}

int vm_kernel_resolve(const char *cache, const char *what, struct vm_kernel *k,
		      char *err, size_t errlen)
{
	struct vm_kernel *list;
	size_t n, i;
	int ret;

	if (strchr(what, '/')) {
		/* a path: an unpacked package, or the image itself */
		if (is_dir(what))
			ret = kernel_in_dir(what, k);
		else if (is_file(what)) {
			const char *base = strrchr(what, '/') + 1;

			memset(k, 0, sizeof(*k));
			snprintf(k->image, sizeof(k->image), "%s", what);
			snprintf(k->release, sizeof(k->release), "%s",
				 !strncmp(base, "vmlinuz-", 8) ? base + 8 : base);
			ret = 0;
		} else
			ret = -ENOENT;
		if (ret)
			vm_errorf(err, errlen, "--kernel %s: no kernel image there", what);
		return ret;
	}
	ret = vm_cache_list(cache, &list, &n);
	if (ret) {
		vm_errorf(err, errlen, "cannot read the kernel cache %s: %s", cache, strerror(-ret));
		return ret;
	}
	for (i = 0; i < n; i++)
		if (vm_version_matches(what, list[i].release)) {
			*k = list[i];
			free(list);
			return 0;
		}
	free(list);
	vm_errorf(err, errlen, "no kernel %s in the cache %s: run `unevict kernels fetch %s`",
		 what, cache, what);
	return -ENOENT;
}

/* ---- fetching ---- */

/* Run argv, its output to ours (or to /dev/null): its exit status, or -errno. */
static int run(char *const argv[], bool silent)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (silent && !freopen("/dev/null", "w", stdout))
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "unevict kernels: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * The archive's address and key from this machine's apt sources: the
 * first entry for a Debian suite (a plain codename: no -security).  0, or
 * -ENOENT.
 */
static int debian_source(char *uri, size_t ulen, char *key, size_t klen)
{
	static const char *const files[] = {"/etc/apt/sources.list.d/debian.sources",
					    "/etc/apt/sources.list"};
	char line[1024], cur_uri[512] = "", cur_key[512] = "";
	size_t i;

	*uri = *key = '\0';
	for (i = 0; i < sizeof(files) / sizeof(files[0]) && !*uri; i++) {
		FILE *f = fopen(files[i], "r");

		while (f && fgets(line, sizeof(line), f) && !*uri) {
			char a[512], b[512];

			line[strcspn(line, "\n")] = '\0';
			if (sscanf(line, "URIs: %511s", a) == 1) {
				snprintf(cur_uri, sizeof(cur_uri), "%s", a);
			} else if (sscanf(line, "Signed-By: %511s", a) == 1) {
				snprintf(cur_key, sizeof(cur_key), "%s", a);
			} else if (!strncmp(line, "Suites:", 7) && *cur_uri &&
				   !strstr(cur_uri, "security")) {
				snprintf(uri, ulen, "%s", cur_uri);
				snprintf(key, klen, "%s", cur_key);
			} else if (!*line) {
				*cur_uri = *cur_key = '\0';
			} else if (sscanf(line, "deb %511s %511s", a, b) == 2 && a[0] != '[' &&
				   !strchr(b, '-') && strstr(a, "debian")) {
				snprintf(uri, ulen, "%s", a);
			}
		}
		if (f)
			fclose(f);
	}
	return *uri ? 0 : -ENOENT;
}

struct apt_env {
	char dir[PATH_MAX];
	char opts[8][PATH_MAX + 64];
};

static int apt_setup(const char *cache, struct apt_env *a)
{
	char uri[512], key[512], path[PATH_MAX + 64];
	static const char *const subdirs[] = {"", "/lists", "/lists/partial", "/archives",
					      "/archives/partial", "/parts"};
	size_t i;
	FILE *f;

	if (debian_source(uri, sizeof(uri), key, sizeof(key))) {
		fprintf(stderr, "unevict kernels: no Debian archive in this machine's apt sources\n");
		return -ENOENT;
	}
	snprintf(a->dir, sizeof(a->dir), "%s/.apt", cache);
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", a->dir, subdirs[i]);
		if (mkdir(path, 0755) && errno != EEXIST) {
			fprintf(stderr, "unevict kernels: cannot create %s: %s\n", path,
				strerror(errno));
			return -errno;
		}
	}
	snprintf(path, sizeof(path), "%s/sources.list", a->dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	for (i = 0; i < sizeof(vm_suites) / sizeof(vm_suites[0]); i++)
		fprintf(f, "deb [arch=amd64%s%s] %s %s main\n", *key ? " signed-by=" : "", key, uri,
			vm_suites[i]);
	if (fclose(f))
		return -EIO;
	snprintf(a->opts[0], sizeof(a->opts[0]), "Dir::Etc::SourceList=%s/sources.list", a->dir);
	snprintf(a->opts[1], sizeof(a->opts[1]), "Dir::Etc::SourceParts=%s/parts", a->dir);
	snprintf(a->opts[2], sizeof(a->opts[2]), "Dir::State::Lists=%s/lists", a->dir);
	snprintf(a->opts[3], sizeof(a->opts[3]), "Dir::Cache=%s", a->dir);
	snprintf(a->opts[4], sizeof(a->opts[4]), "Dir::State::status=/dev/null");
	snprintf(a->opts[5], sizeof(a->opts[5]), "Debug::NoLocking=1");
	snprintf(a->opts[6], sizeof(a->opts[6]), "APT::Architecture=amd64");
	snprintf(a->opts[7], sizeof(a->opts[7]), "APT::Sandbox::User=root");
	return 0;
}

/* argv for an apt command: tool, each -o opt, then rest (NULL-ended). */
static void apt_argv(const struct apt_env *a, const char *tool, char *const *rest, char **argv)
{
	int n = 0, i;

	argv[n++] = (char *)tool;
	argv[n++] = "-q";
	for (i = 0; i < 8; i++) {
		argv[n++] = "-o";
		argv[n++] = (char *)a->opts[i];
	}
	for (i = 0; rest[i]; i++)
		argv[n++] = rest[i];
	argv[n] = NULL;
}

/* The newest package that carries a release named by version: 0 or -ENOENT. */
static int newest_package(const struct apt_env *a, const char *version, char *pkg, size_t len)
{
	char *rest[] = {"pkgnames", "linux-", NULL}, *argv[32], line[256], best[128] = "";
	char rel[128], best_rel[128] = "";
	int fds[2], status;
	pid_t pid;
	FILE *f;

	apt_argv(a, "apt-cache", rest, argv);
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
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!vm_package_release(line, rel, sizeof(rel)) || !vm_version_matches(version, rel))
			continue;
		/* of one release, the -unsigned package (what 5.10..6.12 have) */
		if (!*best_rel || vm_release_compare(rel, best_rel) > 0 ||
		    (!vm_release_compare(rel, best_rel) && strstr(line, "-unsigned"))) {
			if (!fits(best_rel, sizeof(best_rel), rel) || !fits(best, sizeof(best), line))
				best_rel[0] = best[0] = '\0';
		}
	}
	if (f)
		fclose(f);
	waitpid(pid, &status, 0);
	if (!*best)
		return -ENOENT;
	snprintf(pkg, len, "%s", best);
	return 0;
}

/* apt-get download one package into the current directory, and unpack it into dir. */
static int download_unpack(const struct apt_env *a, const char *cache, const char *pkg,
			   const char *dir)
{
	char deb[PATH_MAX + 300], *rest[] = {"download", (char *)pkg, NULL}, *argv[32];
	struct dirent *e;
	int ret = -ENOENT;
	DIR *d;

	apt_argv(a, "apt-get", rest, argv);
	if (run(argv, true)) {
		fprintf(stderr, "unevict kernels: apt-get download %s failed\n", pkg);
		return -EIO;
	}
	d = opendir(".");
	while (d && (e = readdir(d))) {
		char *xargv[] = {"dpkg-deb", "-x", deb, (char *)dir, NULL};

		if (strncmp(e->d_name, pkg, strlen(pkg)) || e->d_name[strlen(pkg)] != '_')
			continue;
		snprintf(deb, sizeof(deb), "%s/.download/%s", cache, e->d_name);
		ret = run(xargv, false) ? -EIO : 0;
		unlink(deb);
		break;
	}
	if (d)
		closedir(d);
	return ret;
}

static int fetch_one(const char *cache, const struct apt_env *a, const char *version)
{
	char pkg[128], modules[160], dir[PATH_MAX + 300], tmp[PATH_MAX + 300];
	struct vm_kernel k;
	int ret;

	if (newest_package(a, version, pkg, sizeof(pkg))) {
		fprintf(stderr, "unevict kernels: no kernel %s in the archive's suites\n", version);
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s/%s", cache, pkg);
	if (!kernel_in_dir(dir, &k) && k.modules[0]) {
		printf("%-8s %s: cached\n", version, k.release);
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s/.download", cache);
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	if (chdir(tmp))
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s/.%s.partial", cache, pkg);
	ret = download_unpack(a, cache, pkg, tmp);
	/* from 7.x the modules are a package of their own */
	if (!ret && !strncmp(pkg, "linux-binary-", 13)) {
		snprintf(modules, sizeof(modules), "linux-modules-%s", pkg + 13);
		ret = download_unpack(a, cache, modules, tmp);
	}
	if (!ret && !access(dir, F_OK)) {
		/* an earlier fetch without the modules: replace it */
		char *rm[] = {"rm", "-rf", dir, NULL};

		run(rm, false);
	}
	if (!ret && rename(tmp, dir))
		ret = -errno;
	if (ret || kernel_in_dir(dir, &k)) {
		fprintf(stderr, "unevict kernels: %s: no kernel image unpacked\n", pkg);
		return ret ? ret : -ENOENT;
	}
	printf("%-8s %s: fetched (%s)\n", version, k.release, pkg);
	return 0;
}

static int kernels_fetch(const char *cache, char **versions, int nr)
{
	char *rest[] = {"update", NULL}, *argv[32], cwd[PATH_MAX];
	struct apt_env a;
	int i, ret, status = 0;

	if (!getcwd(cwd, sizeof(cwd)))
		return 2;
	{
		/* mkdir -p of the cache */
		char p[PATH_MAX];
		char *s;

		snprintf(p, sizeof(p), "%s", cache);
		for (s = p + 1; *s; s++)
			if (*s == '/') {
				*s = '\0';
				mkdir(p, 0755);
				*s = '/';
			}
		mkdir(p, 0755);
	}
	if (apt_setup(cache, &a))
		return 2;
	apt_argv(&a, "apt-get", rest, argv);
	/* a suite that fails (a key this machine lacks) leaves the others */
	if (run(argv, true))
		fprintf(stderr, "unevict kernels: apt-get update reported errors; going on with the suites it read\n");
	for (i = 0; i < nr; i++) {
		ret = fetch_one(cache, &a, versions[i]);
		if (ret)
			status = 1;
	}
	if (chdir(cwd))
		status = 2;
	return status;
}

static int kernels_list(const char *cache)
{
	struct vm_kernel *list;
	size_t n, i;
	int ret = vm_cache_list(cache, &list, &n);

	if (ret) {
		fprintf(stderr, "unevict kernels: cannot read %s: %s\n", cache, strerror(-ret));
		return 2;
	}
	printf("kernels in %s:\n", cache);
	for (i = 0; i < n; i++)
		printf("  %-36s %s%s\n", list[i].release, list[i].image,
		       list[i].modules[0] ? "" : "  (no modules)");
	if (!n)
		printf("  none: `unevict kernels fetch` fetches the default matrix\n");
	free(list);
	return 0;
}

static void kernels_usage(FILE *f)
{
	fputs("usage: unevict kernels fetch [--cache DIR] [VERSION...]\n"
	      "       unevict kernels list [--cache DIR]\n"
	      "\n"
	      "Debian's kernel images (the cloud flavour) for `unevict conform --kernel`.\n"
	      "fetch: the newest image of each VERSION (default: 5.10 6.1 6.12 6.18 7),\n"
	      "from the suites bullseye..sid of the archive this machine's apt uses,\n"
	      "under a private apt configuration.  list: the cached images, with their\n"
	      "`uname -r`.  The cache: $XDG_CACHE_HOME/unevict/kernels, or --cache DIR.\n",
	      f);
}

int vm_kernels_main(int argc, char **argv)
{
	char cache[PATH_MAX], *versions[64];
	const char *sub;
	int i, nr = 0;

	if (vm_cache_dir(cache, sizeof(cache)))
		cache[0] = '\0';
	if (argc < 2) {
		kernels_usage(stderr);
		return 2;
	}
	sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		kernels_usage(stdout);
		return 0;
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--cache") && i + 1 < argc) {
			snprintf(cache, sizeof(cache), "%s", argv[++i]);
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			kernels_usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' || nr == 64) {
			fprintf(stderr, "unevict kernels: unknown option '%s'\n", argv[i]);
			return 2;
		} else {
			versions[nr++] = argv[i];
		}
	}
	if (!cache[0]) {
		fprintf(stderr, "unevict kernels: no cache: set HOME or XDG_CACHE_HOME, or --cache DIR\n");
		return 2;
	}
	if (!strcmp(sub, "list") && !nr)
		return kernels_list(cache);
	if (!strcmp(sub, "fetch")) {
		if (!nr)
			for (; (size_t)nr < vm_default_matrix_len; nr++)
				versions[nr] = (char *)vm_default_matrix[nr];
		return kernels_fetch(cache, versions, nr);
	}
	kernels_usage(stderr);
	return 2;
}
