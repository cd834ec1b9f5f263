# max_map_count.awk: a scenario of 65,531 distinct VMAs (protections alternate, so no
# two merge) and the calls vm.max_map_count (65530, the default) stops, at the counts
# the live kernel was probed at: tests/probes/max_map_count.c on 6.18.44 (each row of
# its output is a comment below).  Model only (ctest model/max_map_count): the live
# helper's own ~10 VMAs would shift every boundary (README, "vm.max_map_count").
function distinct(n,   i) {
	for (i = 0; i < n; i++) {
		print "a: mmap r" nr " 1p prot=" (nr % 2 ? "r" : "rw")
		nr++
	}
}
BEGIN {
	print "task a"
	nr = 0
	distinct(65525)
	# count 65526 (65525 + c): mremap that must move -> 0 (the VMA moves, count kept)
	print "a: mmap c 2p prot=rx"
	print "a: mremap c 3p maymove"
	print "expect ok"
	# count 65527: c cannot grow in place (one page free above it), and move_vma
	# wants 3 to spare -> ENOMEM
	print "a: mmap d 1p prot=none"
	print "a: mremap c 5p maymove"
	print "expect errno ENOMEM"
	# count 65529: a middle split needs two: the first is made, the second refused
	distinct(1)
	print "a: mmap e 4p prot=rwx"
	print "a: mprotect e 1p 1p r"
	print "expect errno ENOMEM"
	# count 65530 (e is two VMAs now): a hole is refused, so are single splits
	print "a: munmap e 2p 1p"
	print "expect errno ENOMEM"
	print "a: mprotect e 3p 1p none"
	print "expect errno ENOMEM"
	print "a: mlock e 3p 1p"
	print "expect errno ENOMEM"
	# unmapping a VMA's first page splits once (on the way down): allowed
	print "a: munmap e 1p 1p"
	print "expect ok"
	# count 65530: mmap asks 'map_count > max': the last one takes it to 65531
	print "a: mmap f 1p prot=none"
	print "expect ok"
	print "a: mmap g 1p prot=r"
	print "expect errno ENOMEM"
	# an mprotect that merges its range into its neighbours makes no VMA: allowed
	# (f went into e's hole)
	print "a: mprotect f rwx"
	print "expect ok"
	print "expect a smaps e Size = 16 kB"
	print "expect a status VmSize = " 4 * (65526 + 3 + 1 + 4)
}
