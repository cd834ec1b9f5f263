/*
 * test_vm.c - the pure pieces of `conform --kernel` and `unevict kernels`
 * (src/vm): which release a VERSION names, package names, the cpio newc
 * writer (against the format as init/initramfs.c reads it), the guest's
 * console protocol, a machine's qemu arguments, a module's dependencies.
 * The boots themselves are ctest's conform/kernel-* tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void test_version_matches(void **state)
{
	(void)state;
	assert_true(vm_version_matches("6.12", "6.12.117+deb13-cloud-amd64"));
	assert_true(vm_version_matches("6.1", "6.1.0-50-cloud-amd64"));
	assert_false(vm_version_matches("6.1", "6.12.117+deb13-cloud-amd64"));
	assert_false(vm_version_matches("6.1", "6.18.15+deb13-cloud-amd64"));
	assert_true(vm_version_matches("7", "7.3.4+deb13-cloud-amd64"));
	assert_false(vm_version_matches("7", "6.7.1"));
	assert_true(vm_version_matches("5.10", "5.10.0-32-cloud-amd64"));
	assert_true(vm_version_matches("6.12.117", "6.12.117+deb13-cloud-amd64"));
	assert_false(vm_version_matches("6.12.11", "6.12.117+deb13-cloud-amd64"));
	assert_false(vm_version_matches("", "6.12.117"));
}

static void test_release_compare(void **state)
{
	(void)state;
	assert_true(vm_release_compare("6.12.117+deb13-cloud-amd64", "6.12.49+deb13-cloud-amd64") > 0);
	assert_true(vm_release_compare("6.18.5+deb13-cloud-amd64", "6.18.15+deb13-cloud-amd64") < 0);
	assert_true(vm_release_compare("7.2.13+deb14-cloud-amd64", "6.19.14+deb13-cloud-amd64") > 0);
	assert_int_equal(vm_release_compare("6.1.0-50-cloud-amd64", "6.1.0-50-cloud-amd64"), 0);
}

static void test_package_release(void **state)
{
	char rel[128];

	(void)state;
	assert_true(vm_package_release("linux-image-6.1.0-50-cloud-amd64-unsigned", rel, sizeof(rel)));
	assert_string_equal(rel, "6.1.0-50-cloud-amd64");
	assert_true(vm_package_release("linux-image-6.18.15+deb13-cloud-amd64", rel, sizeof(rel)));
	assert_string_equal(rel, "6.18.15+deb13-cloud-amd64");
	assert_true(vm_package_release("linux-binary-7.3.4+deb13-cloud-amd64", rel, sizeof(rel)));
	assert_string_equal(rel, "7.3.4+deb13-cloud-amd64");
	assert_false(vm_package_release("linux-image-6.18.15+deb13-cloud-amd64-dbg", rel, sizeof(rel)));
	assert_false(vm_package_release("linux-image-cloud-amd64", rel, sizeof(rel)));
	assert_false(vm_package_release("linux-image-6.18.15+deb13-amd64", rel, sizeof(rel)));
	assert_false(vm_package_release("linux-headers-6.18.15+deb13-cloud-amd64", rel, sizeof(rel)));
}

/* One header field (8 hex digits) of the entry at off: field 0 is ino. */
static unsigned long field(const char *buf, size_t off, int i)
{
	char hex[9];

	memcpy(hex, buf + off + 6 + 8 * i, 8);
	hex[8] = '\0';
	return strtoul(hex, NULL, 16);
}

static void test_cpio(void **state)
{
	struct vm_cpio c;
	char *buf = NULL;
	size_t len = 0, off;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	vm_cpio_init(&c, f);
	assert_int_equal(vm_cpio_add(&c, "dev/console", S_IFCHR | 0600, 5, 1, NULL, 0), 0);
	assert_int_equal(vm_cpio_add_file(&c, "a/b", S_IFREG | 0644, "hello", 5), 0);
	assert_int_equal(vm_cpio_finish(&c), 0);
	fclose(f);
	/* dev/console: 110 + "dev/console\0" (12) = 122, padded to 124 */
	assert_memory_equal(buf, "070701", 6);
	assert_int_equal(field(buf, 0, 1), S_IFCHR | 0600);
	assert_int_equal(field(buf, 0, 9), 5);	/* rdevmajor */
	assert_int_equal(field(buf, 0, 10), 1);	/* rdevminor */
	assert_int_equal(field(buf, 0, 11), 12);	/* namesize */
	assert_string_equal(buf + 110, "dev/console");
	off = 124;
	/* the parent "a", a directory: 110 + 2 = 112 */
	assert_memory_equal(buf + off, "070701", 6);
	assert_int_equal(field(buf, off, 1), S_IFDIR | 0755);
	assert_int_equal(field(buf, off, 4), 2);	/* nlink of a directory */
	assert_string_equal(buf + off + 110, "a");
	off += 112;
	/* a/b: 110 + 4 = 114 -> 116, then 5 bytes of data -> 8 */
	assert_int_equal(field(buf, off, 1), S_IFREG | 0644);
	assert_int_equal(field(buf, off, 6), 5);	/* filesize */
	assert_string_equal(buf + off + 110, "a/b");
	assert_memory_equal(buf + off + 116, "hello\0\0\0", 8);
	off += 124;
	assert_string_equal(buf + off + 110, "TRAILER!!!");
	assert_int_equal(len, off + 124);	/* 110 + 11 = 121 -> 124 */
	assert_int_equal(field(buf, 0, 0) + 1, field(buf, 124, 0));	/* inode numbers differ */
	free(buf);
}

static void test_parse_line(void **state)
{
	struct vm_line l;
	char a[] = VM_MARK "release 6.12.117+deb13-cloud-amd64\r";
	char b[] = VM_MARK "exit 1";
	char c[] = VM_MARK "knob lru_gen 0x0000";
	char d[] = "[   12.345678] Kernel panic - not syncing: Attempted to kill init!";
	char e[] = "conformance: 70 of 149 scenarios agree exactly";
	char f[] = "x.uvs: agrees exactly: 3 compared, 0 differ; live runs: 2\r";
	char g[] = "[    3.1] BUG: unable to handle page fault for address: 0000000000000008";
	char h[] = VM_MARK "note module /lib/modules/zram.ko not loaded: No such file or directory";

	(void)state;
	vm_parse_line(a, &l);
	assert_int_equal(l.kind, VM_LINE_RELEASE);
	assert_string_equal(l.value, "6.12.117+deb13-cloud-amd64");
	vm_parse_line(b, &l);
	assert_int_equal(l.kind, VM_LINE_EXIT);
	assert_int_equal(l.status, 1);
	vm_parse_line(c, &l);
	assert_int_equal(l.kind, VM_LINE_KNOB);
	assert_string_equal(l.value, "lru_gen 0x0000");
	vm_parse_line(d, &l);
	assert_int_equal(l.kind, VM_LINE_OOPS);
	vm_parse_line(e, &l);
	assert_int_equal(l.kind, VM_LINE_CONFORMANCE);
	assert_int_equal(l.agree, 70);
	assert_int_equal(l.total, 149);
	vm_parse_line(f, &l);
	assert_int_equal(l.kind, VM_LINE_OUTPUT);
	assert_string_equal(l.value, "x.uvs: agrees exactly: 3 compared, 0 differ; live runs: 2");
	vm_parse_line(g, &l);
	assert_int_equal(l.kind, VM_LINE_OOPS);
	vm_parse_line(h, &l);
	assert_int_equal(l.kind, VM_LINE_NOTE);
	assert_string_equal(l.value, "module /lib/modules/zram.ko not loaded: No such file or directory");
}

static void test_shape_args(void **state)
{
	struct vm_shape one = {.cpus = 1, .nodes = 1, .mem_bytes = 1ull << 30};
	struct vm_shape two = {.cpus = 3, .nodes = 2, .mem_bytes = 512ull << 20};
	char *argv[VM_SHAPE_MAX_ARGS + 4], buf[1024];
	int n = 0;

	(void)state;
	assert_int_equal(vm_shape_qemu_args(&one, argv, &n, buf, sizeof(buf)), 0);
	assert_int_equal(n, 4);
	assert_string_equal(argv[0], "-smp");
	assert_string_equal(argv[1], "1");
	assert_string_equal(argv[2], "-m");
	assert_string_equal(argv[3], "1024M");
	n = 0;
	assert_int_equal(vm_shape_qemu_args(&two, argv, &n, buf, sizeof(buf)), 0);
	assert_int_equal(n, 12);
	assert_string_equal(argv[1], "3");
	assert_string_equal(argv[3], "1024M");	/* mem= is per node */
	assert_string_equal(argv[5], "memory-backend-ram,id=m0,size=512M");
	assert_string_equal(argv[7], "node,nodeid=0,memdev=m0,cpus=0-1");
	assert_string_equal(argv[9], "memory-backend-ram,id=m1,size=512M");
	assert_string_equal(argv[11], "node,nodeid=1,memdev=m1,cpus=2-2");
	n = 0;
	assert_int_equal(vm_shape_qemu_args(&two, argv, &n, buf, 40), -ENOSPC);
	two.nodes = 1;
	two.mem_bytes = 64ull << 20;	/* below what the kernel boots in */
	n = 0;
	assert_int_equal(vm_shape_qemu_args(&two, argv, &n, buf, sizeof(buf)), 0);
	assert_int_equal(n, 4);
	assert_string_equal(argv[3], "256M");
	assert_true(vm_shape_equal(&one, &one));
	assert_false(vm_shape_equal(&one, &two));
}

static void test_shape_of(void **state)
{
	struct scenario *s = NULL;
	struct vm_shape shape;
	char err[512];

	(void)state;
	assert_int_equal(scenario_parse_text("t.uvs", "machine nodes=2 mem=256M cpus=2\n", &s, err,
					     sizeof(err)), 0);
	vm_shape_of(s, &shape);
	assert_int_equal(shape.cpus, 2);
	assert_int_equal(shape.nodes, 2);
	assert_int_equal(shape.mem_bytes, 256ull << 20);
	assert_int_equal(shape.swap_bytes, 0);
	scenario_free(s);
	s = NULL;
	assert_int_equal(scenario_parse_text("u.uvs", "task a\n", &s, err, sizeof(err)), 0);
	vm_shape_of(s, &shape);
	assert_int_equal(shape.cpus, 1);
	assert_int_equal(shape.nodes, 1);
	assert_int_equal(shape.mem_bytes, 1ull << 30);
	scenario_free(s);
}

static void test_module_depends(void **state)
{
	/* the shape of a .modinfo section: NUL-separated key=value */
	static const char modinfo[] = "license=GPL\0description=x depends=no\0"
				      "depends=zsmalloc,lz4hc_compress,lz4_compress\0name=zram\0";
	static const char none[] = "license=GPL\0name=virtio_blk\0";
	char deps[256];

	(void)state;
	vm_module_depends(modinfo, sizeof(modinfo), deps, sizeof(deps));
	assert_string_equal(deps, "zsmalloc,lz4hc_compress,lz4_compress");
	vm_module_depends(none, sizeof(none), deps, sizeof(deps));
	assert_string_equal(deps, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_matches),
		cmocka_unit_test(test_release_compare),
		cmocka_unit_test(test_package_release),
		cmocka_unit_test(test_cpio),
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_shape_args),
		cmocka_unit_test(test_shape_of),
		cmocka_unit_test(test_module_depends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
