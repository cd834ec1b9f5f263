/*
 * cpio.c - the initramfs, as the kernel unpacks it (init/initramfs.c): the
 * "newc" cpio format, uncompressed.  Each entry is a 110-byte ASCII header
 * ("070701", then 13 fields of 8 hex digits), the NUL-ended name, padding
 * to 4 bytes, the data, padding to 4 bytes; the archive ends with the
 * entry "TRAILER!!!".
 */
#include "vm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void vm_cpio_init(struct vm_cpio *c, FILE *f)
{
	memset(c, 0, sizeof(*c));
	c->f = f;
	c->ino = 1;
}

static void put(struct vm_cpio *c, const void *data, size_t size)
{
	if (c->error || !size)
		return;
	if (fwrite(data, 1, size, c->f) != size)
		c->error = -EIO;
	c->offset += size;
}

static void pad4(struct vm_cpio *c)
{
	static const char zeros[4];

	put(c, zeros, (4 - c->offset % 4) % 4);
}

int vm_cpio_add(struct vm_cpio *c, const char *name, unsigned int mode,
		unsigned int rdev_major, unsigned int rdev_minor, const void *data,
		size_t size)
{
	char hdr[128];
	size_t namesize = strlen(name) + 1;

	if (size > 0xffffffffu || namesize > 0xffffffffu)
		return c->error = -EFBIG;
	/* magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
	 * devminor, rdevmajor, rdevminor, namesize, check */
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 c->ino++, mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, 0u, (unsigned int)size, 0u, 0u,
		 rdev_major, rdev_minor, (unsigned int)namesize, 0u);
	put(c, hdr, 110);
	put(c, name, namesize);
	pad4(c);
	put(c, data, size);
	pad4(c);
	return c->error;
}

int vm_cpio_add_file(struct vm_cpio *c, const char *name, unsigned int mode,
		     const void *data, size_t size)
{
	char dir[4096];
	const char *slash;

	/* parents first: "a", "a/b" for "a/b/c" (added again is harmless:
	 * the kernel's unpacker keeps an existing directory) */
	for (slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/')) {
		if ((size_t)(slash - name) >= sizeof(dir))
			return c->error = -ENAMETOOLONG;
		memcpy(dir, name, (size_t)(slash - name));
		dir[slash - name] = '\0';
		if (*dir)
			vm_cpio_add(c, dir, S_IFDIR | 0755, 0, 0, NULL, 0);
	}
	return vm_cpio_add(c, name, mode, 0, 0, data, size);
}

int vm_cpio_finish(struct vm_cpio *c)
{
	vm_cpio_add(c, "TRAILER!!!", 0, 0, 0, NULL, 0);
	if (!c->error && fflush(c->f))
		c->error = -EIO;
	return c->error;
}
