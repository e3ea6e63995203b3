#!/usr/bin/env python3
"""Side-by-side benchmark: mqtt-sub against mosquitto_sub, subscribed together
to the same local broker and fed by the same publisher in the same run.

Reports each subscriber's client CPU seconds (user + system) to receive N QoS 0
messages with `-C N > /dev/null`, and the ratio mqtt-sub / mosquitto_sub
(target <= 0.4). Not a test: figures vary with the machine; runs are repeated
and the medians reported.

Usage: benches/sub.py [--messages N] [--runs R]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pub import MQTT_PUB, ROOT, Broker, which  # noqa: E402

MQTT_SUB = os.path.join(ROOT, "target", "release", "mqtt-sub")


def cpu_of(proc):
    """Wait for proc; its user+system CPU seconds."""
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return usage.ru_utime + usage.ru_stime


def one_run(broker, n, lines):
    host = ["-h", "127.0.0.1", "-p", str(broker.port)]
    topic = f"bench/sub/{time.monotonic_ns()}"
    devnull = open(os.devnull, "wb")
    ours = subprocess.Popen([MQTT_SUB, *host, "-t", topic, "-C", str(n)], stdout=devnull)
    theirs = subprocess.Popen([which("mosquitto_sub"), *host, "-t", topic, "-C", str(n)], stdout=devnull)
    time.sleep(1.0)  # both subscribed
    with open(lines, "rb") as f:
        subprocess.run([MQTT_PUB, *host, "-t", topic, "-l", "-q", "0"], stdin=f, check=True)
    return cpu_of(ours), cpu_of(theirs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    import tempfile
    work = tempfile.mkdtemp()
    lines = os.path.join(work, "lines")
    with open(lines, "w") as f:
        f.write("".join(f"{i}\n" for i in range(1, a.messages + 1)))
    broker = Broker(work)
    try:
        results = [one_run(broker, a.messages, lines) for _ in range(a.runs)]
    finally:
        broker.stop()
    ours = statistics.median(r[0] for r in results)
    theirs = statistics.median(r[1] for r in results)
    print("| measure | mqtt-sub | mosquitto_sub | ratio | target |")
    print("|---|---:|---:|---:|---|")
    print(f"| receive {a.messages:,} QoS 0 messages, `-C N > /dev/null`: client CPU (median of {a.runs}) "
          f"| {ours:.2f} s | {theirs:.2f} s | {ours / theirs:.2f} | <= 0.4 |")
    print("runs (mqtt-sub, mosquitto_sub): " + ", ".join(f"({o:.2f}, {t:.2f})" for o, t in results), file=sys.stderr)


if __name__ == "__main__":
    main()
