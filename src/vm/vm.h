/*
 * vm.h - scenarios on other kernels: Debian's kernel images, fetched into
 * a cache, booted under qemu with a small initramfs whose /init runs
 * `unevict conform` inside the guest (issue 10, docs/VM.md).
 *
 * Four pieces, each in its own file:
 * - kernels.c: the cache of images (`unevict kernels fetch|list`), and
 *              which cached image a VERSION names.
 * - cpio.c:    the initramfs writer (cpio "newc", uncompressed: every
 *              kernel unpacks that without a decompressor).
 * - runner.c:  the host side of a run: the initramfs, qemu's arguments,
 *              the guest's output read back from its serial console.
 * - guest_init.c: the guest's /init (a program of its own, static).
 * The pure parts (version matching, the cpio writer, the serial protocol,
 * a machine's qemu arguments) are tested in tests/unit/test_vm.c.
 */
#ifndef VM_H
#define VM_H

#include "scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- kernel releases and the cache (kernels.c) ---- */

/* The default matrix of `unevict kernels fetch`: "7" is the newest 7.x. */
extern const char *const vm_default_matrix[];
extern const size_t vm_default_matrix_len;

/*
 * Does VERSION name release?  A version is a prefix of dotted numbers
 * ending at a component boundary: "6.12" names "6.12.117+deb13-cloud-amd64"
 * but not "6.1.0-50-cloud-amd64" nor "6.120"; "7" names "7.2.13+deb14...".
 */
bool vm_version_matches(const char *version, const char *release);
/* Order of releases (numbers compared as numbers): <0, 0, >0. */
int vm_release_compare(const char *a, const char *b);

struct vm_kernel {
	char release[128];	/* `uname -r` */
	char image[4096];	/* the vmlinuz */
	char modules[4096];	/* .../lib/modules/RELEASE, "" if none */
};

/* $XDG_CACHE_HOME/unevict/kernels, or $HOME/.cache/...: 0 or -errno. */
int vm_cache_dir(char *buf, size_t len);
/* Every kernel in the cache, newest first: 0 with *out (free it), or -errno. */
int vm_cache_list(const char *cache, struct vm_kernel **out, size_t *nr);
/*
 * The kernel a `--kernel` argument names: a path (a vmlinuz, or a
 * directory a package was unpacked into), or the newest cached release a
 * VERSION names.  0, or -ENOENT with a message in err.
 */
int vm_kernel_resolve(const char *cache, const char *what, struct vm_kernel *k,
		      char *err, size_t errlen);

/* `unevict kernels ...`: argv[0] is "kernels". */
int vm_kernels_main(int argc, char **argv);

/*
 * From a Debian package name: the release its image is, or NULL if the
 * name is not a cloud image package ("linux-image-R-unsigned",
 * "linux-binary-R").  The cloud flavour: smallest, virtio built in.
 */
bool vm_package_release(const char *package, char *release, size_t len);

/* ---- cpio newc (cpio.c) ---- */

struct vm_cpio {
	FILE *f;
	uint64_t offset;
	unsigned int ino;
	int error;		/* first -errno */
};

void vm_cpio_init(struct vm_cpio *c, FILE *f);
/* mode: S_IFDIR|0755, S_IFREG|0755, S_IFCHR|0600 (with rdev)... */
int vm_cpio_add(struct vm_cpio *c, const char *name, unsigned int mode,
		unsigned int rdev_major, unsigned int rdev_minor, const void *data,
		size_t size);
/* Every parent directory of name that was not added yet is added first. */
int vm_cpio_add_file(struct vm_cpio *c, const char *name, unsigned int mode,
		     const void *data, size_t size);
int vm_cpio_finish(struct vm_cpio *c);

/* ---- the machine a scenario asks for, as qemu's arguments (runner.c) ---- */

struct vm_shape {
	unsigned int cpus, nodes;
	uint64_t mem_bytes;	/* per node */
	uint64_t swap_bytes;	/* a zram device of this size, 0: none */
};

/* The shape of s (its machine statement, or the defaults). */
void vm_shape_of(const struct scenario *s, struct vm_shape *shape);
bool vm_shape_equal(const struct vm_shape *a, const struct vm_shape *b);
/*
 * qemu's -smp, -m and -numa arguments for shape, appended to argv at
 * *argc (at most VM_SHAPE_MAX_ARGS, strings in buf of len): 0 or -ENOSPC.
 */
#define VM_SHAPE_MAX_ARGS 24
/* A node has at least this much memory: less, and the kernel cannot boot. */
#define VM_MIN_MEM_MIB 256
int vm_shape_qemu_args(const struct vm_shape *shape, char **argv, int *argc,
		       char *buf, size_t len);

/* ---- what the guest says on its console (runner.c) ---- */

/*
 * The guest's /init marks its own lines with VM_MARK: "release R",
 * "knob NAME VALUE", "exit N", "done".  Every other line is the output of
 * `unevict conform` inside, or the kernel's log.
 */
#define VM_MARK "@@unevict-vm "

enum vm_line_kind {
	VM_LINE_OUTPUT,		/* conform's output: printed on the host */
	VM_LINE_RELEASE,	/* value: uname -r */
	VM_LINE_KNOB,		/* value: "name value" */
	VM_LINE_EXIT,		/* status: conform's exit status */
	VM_LINE_NOTE,		/* value: something /init could not do */
	VM_LINE_OOPS,		/* the kernel's oops or panic */
	VM_LINE_CONFORMANCE,	/* "conformance: N of M ...": agree, total */
};

struct vm_line {
	enum vm_line_kind kind;
	int status;
	unsigned int agree, total;
	const char *value;	/* into the line */
};

/* One line of the console (no newline; a trailing \r is ignored). */
void vm_parse_line(char *line, struct vm_line *out);

/* The "depends=" field of a kernel module's .modinfo ("" if none). */
void vm_module_depends(const char *data, size_t size, char *deps, size_t len);

/* ---- a run (runner.c) ---- */

struct vm_run_options {
	const char *cache;
	const char *kernel;		/* --kernel */
	char *const *conform_args;	/* the guest's conform options (-q, --runs N) */
	int nr_conform_args;
	bool quiet;
};

/* `unevict conform --kernel K [OPTIONS] FILE...`: conform's exit status. */
int vm_conform(const struct vm_run_options *o, char **files, int nr_files);
/* The same from conform's argv (argv[0] "conform", a --kernel among them). */
int vm_conform_main(int argc, char **argv);

/* An error message for the caller's ERR buffer of LEN bytes; a message cut
 * at LEN is still a message (paths in it can be long). */
void vm_errorf(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* VM_H */
