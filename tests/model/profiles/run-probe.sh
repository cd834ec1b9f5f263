#!/bin/sh
# run-probe.sh VMLINUZ: boot a kernel under qemu (TCG, one CPU) with probe.c
# as /init and print its PROBE lines.  The kernel images: Debian's
# linux-image-*-cloud-amd64(-unsigned) / linux-binary-* packages, fetched
# with apt-get download and unpacked with dpkg-deb -x (issue 10).
set -eu
vmlinuz=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -static -I "$here/../../probes" -o "$work/init" "$here/probe.c"
(cd "$work" && mkdir -p proc sys && printf 'init\nproc\nsys\n' | cpio -o -H newc 2>/dev/null | gzip > initrd.gz)
timeout 300 qemu-system-x86_64 -m 512 -smp 1 -nographic -no-reboot \
	-kernel "$vmlinuz" -initrd "$work/initrd.gz" \
	-append 'console=ttyS0 panic=-1 quiet transparent_hugepage=never' </dev/null |
	tr -d '\r' | grep -o 'PROBE.*'
