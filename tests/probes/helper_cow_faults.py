#!/usr/bin/env python3
# The live helper's own page faults after a fork (docs/CONFORM.md, issue 13):
# speaks protocol.h to unevict-task directly, maps and touches 10 pages, forks,
# then makes 12 calls that touch no region in each process (munlock and mlock2
# failing, brk, a touch that faults) and prints each process's minor faults
# and the private pages it holds privately dirty (copied on write).
#   sudo python3 tests/probes/helper_cow_faults.py build/unevict-task new
# ("old" for a helper from before the MEMFD argument).  Run it on a quiet CPU
# (/work/bin/cpu-live on the project's machine).
import os, socket, struct, sys, array, time
helper, new = sys.argv[1], sys.argv[2] == "new"
MAGIC = 0x746e7675
CMD = struct.Struct("=IIQQQQQ"); REP = struct.Struct("=IIiiQQ")
def send(s, op, addr=0, ln=0, a1=0, a2=0, a3=0, fd=None):
    data = CMD.pack(MAGIC, op, addr, ln, a1, a2, a3)
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))] if fd is not None else []
    s.sendmsg([data], anc)
def recv(s):
    return REP.unpack(s.recv(64))
def minflt(pid):
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[7])
def private_dirty(pid):
    tot = 0; vma = ""; out = []
    for line in open(f"/proc/{pid}/smaps"):
        if line[0] in "0123456789abcdef" and "-" in line.split()[0]:
            vma = line.strip()
        elif line.startswith("Private_Dirty:") and vma.split()[1][3] == "p":
            v = int(line.split()[1])
            if v: out.append(f"{v}kB {vma[:60]}")
            tot += v
    return tot, out
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
args = [helper, str(b.fileno()), "0"]
fds = [b.fileno()]
if new:
    m = os.memfd_create("probe", 0); args.append(str(m)); fds.append(m)
pid = os.fork()
if pid == 0:
    os.sched_setaffinity(0, {1})
    for f in fds: os.set_inheritable(f, True)
    os.execv(helper, args)
b.close()
_, _, err, hp, _, _ = recv(a); assert hp == pid
print("helper", [l.strip() for l in open(f"/proc/{pid}/status") if l.startswith(("VmSize", "VmRSS"))])
send(a, 2, 0, 10 * 4096, 3, 0x22); r = recv(a); addr = r[4]
send(a, 12, addr, 10 * 4096, 1); recv(a)
c, d = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
pd0 = private_dirty(pid)
f0 = minflt(pid)
send(a, 13, fd=d.fileno()); d.close()
r = recv(a); child = r[3]
_, _, _, cp, _, _ = recv(c); assert cp == child
cf0 = minflt(child)
def calls(s):
    for name, args in (("munlock", (6, 0x1000, 4096)), ("mlock2", (5, addr, 4096, 0xff)), ("brk", (16, 0, 0)), ("touch", (12, 0x1000, 1, 0))):
        f = minflt(pid); send(s, *args); r = s.recv(64)
        if len(r) != 32: print("died in", name, os.waitpid(pid, 0)); sys.exit(1)
        if s is a and minflt(pid) != f: print("parent fault in", name)
for i in range(3):
    f1 = minflt(pid); calls(a); f2 = minflt(pid); calls(c); print(i, "parent", f2 - f1, "child", minflt(child))
print(f"{'new' if new else 'old'}: after fork, 12 calls each: parent minflt +{minflt(pid)-f0} "
      f"(Private_Dirty {pd0} -> {private_dirty(pid)} kB), child minflt since hello +{minflt(child)-cf0} "
      f"(Private_Dirty {private_dirty(child)} kB)")
send(c, 14); send(a, 14)
time.sleep(0.1)
os.waitpid(pid, 0)
