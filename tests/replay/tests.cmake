# tests/replay: `unevict replay` (issue 12), included by CMakeLists.txt.
#
# Fixture traces (tests/replay/fixtures/*.trace): each replay's output must
# equal NAME.expected exactly, and the scenario it emits must run with every
# expectation held (expect.sh).  memtester.trace, memcached.trace and
# stress-ng-mlock.trace were recorded live by live.sh on Linux 6.18,
# mremap-fixed.trace from mremap_fixed.c; the others are written by hand
# to reach every form of strace's text.
set(UNEV_REPLAY_DIR ${CMAKE_SOURCE_DIR}/tests/replay)
function(replay_fixture name)
  add_test(NAME replay/fixture/${name}
           COMMAND sh ${UNEV_REPLAY_DIR}/expect.sh $<TARGET_FILE:unevict>
                   ${UNEV_REPLAY_DIR}/fixtures ${name}.expected ${ARGN})
endfunction()
replay_fixture(pairs -q --file-sizes trace --regions pairs.trace)
replay_fixture(pairs-assumptions --file-sizes trace --touch written pairs.trace)
replay_fixture(pairs-until -q --file-sizes trace --until 10:00:00.000200 pairs.trace)
replay_fixture(nopid nopid.trace)
replay_fixture(cut cut.trace)
replay_fixture(rlimit-diverges rlimit.trace)
replay_fixture(rlimit-memlock -q --task "memlock=64K" rlimit.trace)
replay_fixture(bad bad.trace)
replay_fixture(memtester --file-sizes trace --until-line 19 --regions memtester.trace)
replay_fixture(memtester-to-exit -q --file-sizes trace memtester.trace)
replay_fixture(memtester-memcg --file-sizes trace --memcg 2M memtester.trace)
replay_fixture(memcached -q --file-sizes trace --until-line 113 memcached.trace)
replay_fixture(memcached-kernel-5.10 -q --file-sizes trace --machine "kernel=5.10 mem=2G cpus=2"
               --until-line 113 memcached.trace)
# the same traces without -y (strace's default): files told apart by fd
replay_fixture(memtester-no-y --until-line 19 --regions memtester-no-y.trace)
replay_fixture(memcached-no-y -q --until-line 113 memcached-no-y.trace)
replay_fixture(stress-ng-mlock -q --file-sizes trace --until-line 282 stress-ng-mlock.trace)
# mremap with MREMAP_FIXED (into a reserved PROT_NONE range; FIXED without
# MAYMOVE, refused) and MREMAP_DONTUNMAP (alone and with MREMAP_FIXED) of
# locked memory: the calls of mremap_fixed.c, recorded on 6.18 (it showed
# VmLck 228 kB and smaps Locked 160 kB at its end, as the replay's final
# state does).  The hint trace: glibc's mremap() with MREMAP_DONTUNMAP and
# no new_address, refused live (EINVAL), a divergence the replay explains.
replay_fixture(mremap-fixed --regions mremap-fixed.trace)
replay_fixture(mremap-dontunmap-hint --regions mremap-dontunmap-hint.trace)
# The rmap-walk design is 5.10's (design=rmap-walk picks the 5.10 profile).
# Its munlocked count went from 32150 to 32149 with cff5977 (5.10's
# __munlock_pagevec releases the pins of pages it does not munlock with
# pagevec_release, whose __pagevec_release begins with lru_add_drain()).
# Found by running the emitted scenario's prefix on both builds with -v:
# the difference is one page (pfn 28696, a file page that t3 maps in two
# VM_LOCKED VMAs) in t3's munlockall.  Before: the first VMA's munlock
# re-mlocks it (rmap walk: the other VMA is still locked) and puts it back
# into an lru_add pagevec that 14 earlier putbacks had filled to 15, so it
# is drained onto the unevictable list at once; the second VMA's munlock
# isolates it and counts it munlocked.  Now: the release drains had already
# flushed those putbacks, so it waits alone in the pagevec; the second
# VMA's munlock cannot isolate it and, PageUnevictable, counts it stranded
# (__munlock_isolation_failed; 16 -> 17), and the next drain rescues it
# (32161 -> 32165 rescued in all).  Both steps follow 5.10's code; the
# drain was seen live on 5.10.0-32 (tests/model/migrate); the replay as a
# whole cannot run live (conform: "too many regions").
replay_fixture(stress-ng-mlock-rmap-walk -q --file-sizes trace
               --machine "design=rmap-walk mem=512M cpus=2" stress-ng-mlock.trace)

# Real programs recorded live (root; skipped with exit 77 and the package to
# install when strace or the program is missing).  Not counter-sensitive:
# they compare smaps and status of the program itself.
set(UNEV_REPLAY_LIVE ${CMAKE_BINARY_DIR}/replay-live)
add_test(NAME replay/live/memtester
         COMMAND bash ${UNEV_REPLAY_DIR}/live.sh $<TARGET_FILE:unevict> ${UNEV_REPLAY_LIVE}
                 memtester memtester munlock 150 0 -- memtester 4M 1)
add_test(NAME replay/live/stress-ng-mlock
         COMMAND env EXACT_LOCKED=0 bash ${UNEV_REPLAY_DIR}/live.sh $<TARGET_FILE:unevict>
                 ${UNEV_REPLAY_LIVE} stress-ng-mlock stress-ng munlockall 152 0
                 -- stress-ng --mlock 1 --mlock-ops 20 -t 20)
# memcached -k (mlockall(MCL_CURRENT|MCL_FUTURE)) in a network namespace of
# its own, on a unix socket in the build tree: it touches nothing outside.
add_test(NAME replay/live/memcached
         COMMAND bash ${UNEV_REPLAY_DIR}/live.sh $<TARGET_FILE:unevict> ${UNEV_REPLAY_LIVE}
                 memcached memcached:/usr/bin/memcached exit_group 231 2
                 -- unshare -n /usr/bin/memcached -k -u root -m 8 -t 2
                 -s ${UNEV_REPLAY_LIVE}/memcached.sock)
set_tests_properties(replay/live/memtester replay/live/stress-ng-mlock replay/live/memcached
                     PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)

# The bench's synthetic trace (the text strace writes for a loop of mmap,
# mlock, munlock, munmap) must read and replay with every result agreeing.
# Its speed is a figure the bench prints (README), not a pass/fail here: a
# loaded CI machine must not fail a test for being slow.
add_test(NAME replay/bench-smoke COMMAND unevict bench replay --calls 100000)

# --timeline: a row per replayed call, keyed by the trace's line; after
# memtester's mlock of its 4 MiB buffer (trace line 18) the model holds
# 1024 pages mlocked (4 MiB / 4 KiB: the trace's length) in the memcg too.
add_test(NAME replay/timeline
         COMMAND sh -c "cd '${UNEV_REPLAY_DIR}/fixtures' && \"$0\" replay -q --file-sizes trace --memcg 64M --timeline \"$1\" --until-line 19 memtester.trace > /dev/null && awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next } { rows++ } $1 == 18 { found = ($(col[\"nr_mlock\"]) == 1024 && $(col[\"memcg.replay.unevictable\"]) == 1024 && $(col[\"Mlocked_kB\"]) == 4096) } END { exit !(found && rows == 18) }' \"$1\""
                 $<TARGET_FILE:unevict> ${CMAKE_BINARY_DIR}/replay-timeline.csv)
