#!/usr/bin/env python3
"""Side-by-side benchmark: mqtt-pub against mosquitto_pub, same broker, same run.

Not a test: figures vary with the machine. Reported as ratios (mqtt-pub / mosquitto_pub).

  1. 200,000 lines at QoS 0 with -l: wall time and client CPU seconds.
  2. one-shot `-t t -m x`: whole-process wall time (median of many runs).
  3. 200,000 lines at QoS 1 and 2 with -l: confirmed msg/s, and what a
     subscriber actually received from each client.
  4. one-shot over WebSockets: to mosquitto's own websockets listener, and
     through a relay that answers the upgrade at once (benches/wsrelay.py),
     against the TCP one-shot. Debian's mosquitto_pub 2.0.11 has no --ws, so
     the comparison is mqtt-pub with itself over TCP; the bare upgrade time
     of the broker's listener (a Python socket, no MQTT) shows its floor.

Usage: benches/pub.py [--lines N] [--runs R] [--oneshots K]
Needs: mosquitto, mosquitto_pub, mosquitto_sub; builds target/release/mqtt-pub.
"""

import argparse
import base64
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from wsrelay import WsRelay

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MQTT_PUB = os.path.join(ROOT, "target", "release", "mqtt-pub")


def which(name):
    for d in ("/usr/sbin", "/usr/bin", "/usr/local/bin"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    sys.exit(f"{name} not found: apt-get install -y mosquitto mosquitto-clients")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _raise_open_files():
    """In the broker's child process: as many open files as the hard limit allows."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Broker:
    """mosquitto on a free loopback port (also used by sub.py, passwd.py, bench.py)."""

    def __init__(self, workdir, websockets=False, listener_options=""):
        self.port = free_port()
        self.ws_port = free_port() if websockets else None
        conf = os.path.join(workdir, "bench.conf")
        with open(conf, "w") as f:
            f.write(f"user root\nlistener {self.port} 127.0.0.1\nallow_anonymous true\n"
                    "max_queued_messages 0\npersistence false\n" + listener_options)
            if websockets:
                # mosquitto 2.0.11 opens a websockets listener only beside a plain one.
                f.write(f"listener {self.ws_port} 127.0.0.1\nprotocol websockets\n")
        self.proc = subprocess.Popen([which("mosquitto"), "-c", conf], preexec_fn=_raise_open_files,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in filter(None, (self.port, self.ws_port)):
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.02)
            else:
                sys.exit("broker did not start")

    def cpu(self):
        """The broker's CPU seconds so far (user + system, /proc/PID/stat)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def timed(cmd, stdin_path=None):
    """Run cmd; return (wall seconds, child cpu seconds, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    t0 = time.perf_counter()
    rc = subprocess.run(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if stdin_path:
        stdin.close()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, rc


def received(port, topic, qos, n, start_client, timeout=600):
    """Start a subscriber, run start_client(), return (messages received, client wall, rc).

    The subscriber is stopped once it has n messages or nothing arrived for 3 s."""
    sub = subprocess.Popen([which("mosquitto_sub"), "-h", "127.0.0.1", "-p", str(port), "-t", topic,
                            "-q", str(qos), "-C", str(n), "-W", str(timeout)],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    count = [0]

    def reader():
        for chunk in iter(lambda: sub.stdout.read(65536), b""):
            count[0] += chunk.count(b"\n")

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    time.sleep(0.5)
    wall, _cpu, rc = start_client()
    last, still = -1, time.monotonic()
    while count[0] < n and time.monotonic() - still < 3:
        if count[0] != last:
            last, still = count[0], time.monotonic()
        time.sleep(0.1)
    sub.kill()
    sub.wait()
    t.join()
    return count[0], wall, rc


def bare_upgrade(port):
    """Seconds from connect to the broker's 101 answer, for a WebSocket upgrade and nothing else."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
               f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n")
    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(request.encode())
        answer = s.recv(4096)
    if not answer.startswith(b"HTTP/1.1 101"):
        sys.exit(f"the broker's websockets listener did not upgrade: {answer[:60]!r}")
    return time.perf_counter() - t0


def ok(result):
    """The wall time of a timed() run that must have succeeded."""
    wall, _cpu, rc = result
    if rc != 0:
        sys.exit(f"a one-shot publish failed (exit {rc})")
    return wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--oneshots", type=int, default=200)
    a = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    mosq_pub = which("mosquitto_pub")
    work = tempfile.mkdtemp()
    lines = os.path.join(work, "lines")
    with open(lines, "w") as f:
        f.write("".join(f"{i}\n" for i in range(1, a.lines + 1)))
    broker = Broker(work, websockets=True)
    host = ["-h", "127.0.0.1", "-p", str(broker.port)]
    rows = []
    try:
        # 4a, first, while the broker is idle: its libwebsockets listener is
        # serviced once per main-loop turn, which is quick only while other
        # traffic keeps the loop busy (for a second or two after a flood).
        lws = statistics.median(
            ok(timed([MQTT_PUB, "-h", "127.0.0.1", "-p", str(broker.ws_port), "--ws", "-t", "t", "-m", "x"]))
            for _ in range(10))
        floor = statistics.median(bare_upgrade(broker.ws_port) for _ in range(10))

        # 1. QoS 0 lines, interleaved runs, medians.
        ours, theirs = [], []
        for _ in range(a.runs):
            ours.append(timed([MQTT_PUB, *host, "-t", "bench/q0", "-l", "-q", "0"], lines))
            theirs.append(timed([mosq_pub, *host, "-t", "bench/q0", "-l", "-q", "0"], lines))
        ow, oc = statistics.median(r[0] for r in ours), statistics.median(r[1] for r in ours)
        tw, tc = statistics.median(r[0] for r in theirs), statistics.median(r[1] for r in theirs)
        rows.append((f"{a.lines:,} lines, QoS 0, -l: wall", f"{ow:.3f} s", f"{tw:.3f} s", ow / tw, "<= 1.0"))
        rows.append((f"{a.lines:,} lines, QoS 0, -l: client CPU", f"{oc:.3f} s", f"{tc:.3f} s", oc / tc, "<= 0.5"))

        # 2. One-shot publishes.
        ours, theirs = [], []
        for _ in range(a.oneshots):
            ours.append(timed([MQTT_PUB, *host, "-t", "t", "-m", "x"])[0])
            theirs.append(timed([mosq_pub, *host, "-t", "t", "-m", "x"])[0])
        ow, tw = statistics.median(ours), statistics.median(theirs)
        rows.append(("one-shot -t t -m x: wall (median)", f"{ow * 1000:.2f} ms", f"{tw * 1000:.2f} ms", ow / tw, "<= 1.3"))
        tcp_oneshot = ow

        # 4. One-shot over WebSockets (mqtt-pub against itself over TCP).
        relay = WsRelay(broker.port)
        n = max(a.oneshots // 4, 10)
        via_relay = statistics.median(
            ok(timed([MQTT_PUB, "-h", "127.0.0.1", "-p", str(relay.port), "--ws", "-t", "t", "-m", "x"]))
            for _ in range(n))
        rows.append(("one-shot --ws via a relay that answers the upgrade at once: wall (median) vs TCP",
                     f"{via_relay * 1000:.2f} ms", f"{tcp_oneshot * 1000:.2f} ms (mqtt-pub, TCP)",
                     via_relay / tcp_oneshot, "<= 2.0"))
        rows.append(("one-shot --ws to an idle mosquitto 2.0.11's websockets listener: wall (median) vs the bare upgrade",
                     f"{lws * 1000:.1f} ms", f"{floor * 1000:.1f} ms (Python socket, upgrade only)",
                     lws / floor, "the broker's floor"))

        # 3. QoS 1 and 2 lines: confirmed rate and what a subscriber got.
        for q in (1, 2):
            topic = f"bench/q{q}"
            got_o, w_o, rc_o = received(broker.port, topic, q, a.lines,
                                        lambda: timed([MQTT_PUB, *host, "-t", topic, "-l", "-q", str(q)], lines))
            got_t, w_t, rc_t = received(broker.port, topic, q, a.lines,
                                        lambda: timed([mosq_pub, *host, "-t", topic, "-l", "-q", str(q)], lines))
            rows.append((f"{a.lines:,} lines, QoS {q}, -l, with a subscriber: delivered (exit)",
                         f"{got_o:,} ({rc_o})", f"{got_t:,} ({rc_t})", None, "all, exit 0"))
            ours = [timed([MQTT_PUB, *host, "-t", topic + "/nosub", "-l", "-q", str(q)], lines) for _ in range(a.runs)]
            w = statistics.median(r[0] for r in ours)
            rows.append((f"{a.lines:,} lines, QoS {q}, -l, no subscriber: confirmed msg/s", f"{a.lines / w:,.0f}",
                         "n/a (does not wait for acks)", None, ""))
    finally:
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(f"| measure | mqtt-pub | mosquitto_pub | ratio | target |")
    print(f"|---|---:|---:|---:|---|")
    for name, o, t, ratio, target in rows:
        r = f"{ratio:.2f}" if ratio is not None else ""
        print(f"| {name} | {o} | {t} | {r} | {target} |")


if __name__ == "__main__":
    main()
