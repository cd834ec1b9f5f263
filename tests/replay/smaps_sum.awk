# smaps_sum.awk - the sums a replay is compared on, from smaps text.
#
#   awk [-v regions=FILE] [-v pid=PID] -f smaps_sum.awk SMAPS
#
# regions: lines "START END" (hex, the trace's addresses): only VMAs that
# overlap one count (the live program's own regions; its exec image, stack
# and vdso are not in the trace).  pid: in a file of several processes
# ("# process t1 pids 10,11" headers, unevict replay --smaps-out), only the
# process that pid belongs to.  Prints
#   vmlck=KB anon_rss_locked=KB file_rss_locked=KB anon_locked=KB locked=KB
# vmlck: the Size of VmFlags-"lo" VMAs (what VmLck counts); anon_rss_locked
# and file_rss_locked: Rss of the locked VMAs not backed by a file on disk,
# and of those that are; anon_locked: smaps Locked of the former; locked:
# Locked of all.  Locked is a Pss: a library's pages are shared with every
# other process that maps it, which the replay's machine lacks, and the
# pages a forked child shares with its parent depend on writes strace does
# not see.)
function hex(s,    n, i) {
	n = 0
	for (i = 1; i <= length(s); i++)
		n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
function flush() {
	if (!have || !want)
		return
	if (regions != "" && !overlaps(vstart, vend))
		return
	if (lo) {
		vmlck += size
		if (isfile)
			frss += rss
		else
			arss += rss
	}
	if (!isfile)
		alocked += locked
	tlocked += locked
}
function overlaps(s, e,    i) {
	for (i = 0; i < nr; i++)
		if (rs[i] < e && re[i] > s)
			return 1
	return 0
}
BEGIN {
	nr = 0
	if (regions != "")
		while ((getline line < regions) > 0) {
			split(line, w, " ")
			rs[nr] = hex(w[1]); re[nr] = hex(w[2]); nr++
		}
	want = (pid == "")
}
/^# process / {
	flush(); have = 0
	n = split($5, ps, ",")
	want = (pid == "")
	for (i = 1; i <= n; i++)
		if (ps[i] == pid)
			want = 1
	next
}
/^[0-9a-f]+-[0-9a-f]+ / {
	flush()
	split($1, a, "-")
	vstart = hex(a[1]); vend = hex(a[2])
	path = NF >= 6 ? $6 : ""
	isfile = path ~ /^\// && path !~ /^\/(SYSV|dev\/zero|memfd:)/
	size = rss = locked = lo = 0
	have = 1
	next
}
$1 == "Size:" { size = $2 }
$1 == "Rss:" { rss = $2 }
$1 == "Locked:" { locked = $2 }
$1 == "VmFlags:" { for (i = 2; i <= NF; i++) if ($i == "lo") lo = 1 }
END {
	flush()
	printf "vmlck=%d anon_rss_locked=%d file_rss_locked=%d anon_locked=%d locked=%d\n", \
		vmlck, arss, frss, alocked, tlocked
}
