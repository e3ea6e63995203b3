#!/usr/bin/env python3
"""Side-by-side benchmark: hashing a plaintext password file of N users at
210,000 PBKDF2 iterations. mqtt-passwd does it with `-U -I 210000` (on every
core). Debian's mosquitto_passwd 2.0.11 ignores -I with -U (it always writes
101 iterations), so its way to the same file is one `-b -I 210000` run per user;
that is what is timed for it. Also reported: `-U` at mosquitto's 101
iterations, where both do the same work. Ratios are mqtt-passwd /
mosquitto_passwd (target <= 0.6 on 2 cores for the 210,000-iteration case).

Usage: benches/passwd.py [--users N] [--iterations I]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pub import ROOT, which  # noqa: E402

MQTT_PASSWD = os.path.join(ROOT, "target", "release", "mqtt-passwd")


def timed(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--iterations", type=int, default=210_000)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp()
    plain = "".join(f"user{i}:password{i}\n" for i in range(a.users))
    ours, theirs = os.path.join(work, "ours"), os.path.join(work, "theirs")
    for f in (ours, theirs):
        with open(f, "w") as fh:
            fh.write(plain)
    it = str(a.iterations)
    t_ours = timed([MQTT_PASSWD, "-U", "-I", it, ours])
    mosq = which("mosquitto_passwd")
    with open(theirs, "w") as fh:
        fh.write("")
    t0 = time.perf_counter()
    for i in range(a.users):
        subprocess.run([mosq, "-b", "-I", it, theirs, f"user{i}", f"password{i}"], check=True)
    t_theirs = time.perf_counter() - t0
    for f in (ours, theirs):
        with open(f, "w") as fh:
            fh.write(plain)
    t_ours_101 = timed([MQTT_PASSWD, "-U", "-I", "101", ours])
    t_theirs_101 = timed([mosq, "-U", theirs])
    shutil.rmtree(work, ignore_errors=True)
    print("| measure | mqtt-passwd | mosquitto_passwd | ratio | target |")
    print("|---|---:|---:|---:|---|")
    print(f"| {a.users:,} plaintext users to `$7${a.iterations}$` hashes: wall (mosquitto_passwd: `-b -I` per user) "
          f"| {t_ours:.1f} s | {t_theirs:.1f} s | {t_ours / t_theirs:.2f} | <= 0.6 |")
    print(f"| `-U` on {a.users:,} plaintext users at 101 iterations: wall "
          f"| {t_ours_101:.2f} s | {t_theirs_101:.2f} s | {t_ours_101 / t_theirs_101:.2f} | |")


if __name__ == "__main__":
    main()
